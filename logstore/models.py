"""The activity log, in Moodle's two shapes.

Rows carry plain integer ids (user, course, context), as Moodle's log tables do: the
log is append-only, holds tens of millions of rows, and is written in bulk, so it has
no foreign-key constraints to check on every insert. Times are Unix timestamps.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Crud(models.TextChoices):
    CREATE = "c", _("Create")
    READ = "r", _("Read")
    UPDATE = "u", _("Update")
    DELETE = "d", _("Delete")


class EduLevel(models.IntegerChoices):
    OTHER = 0, _("Other")
    TEACHING = 1, _("Teaching")
    PARTICIPATING = 2, _("Participating")


class StandardLogEntry(models.Model):
    """One event, shaped like Moodle's logstore_standard_log."""

    eventname = models.CharField(_("event name"), max_length=255)
    component = models.CharField(_("component"), max_length=100)
    action = models.CharField(_("action"), max_length=100)
    target = models.CharField(_("target"), max_length=100)
    objecttable = models.CharField(_("object table"), max_length=50, blank=True)
    objectid = models.BigIntegerField(_("object id"), null=True, blank=True)
    crud = models.CharField(_("CRUD"), max_length=1, choices=Crud.choices)
    edulevel = models.PositiveSmallIntegerField(
        _("education level"), choices=EduLevel.choices
    )
    contextid = models.BigIntegerField(_("context id"))
    contextlevel = models.PositiveSmallIntegerField(_("context level"))
    contextinstanceid = models.BigIntegerField(_("context instance id"))
    userid = models.BigIntegerField(_("user id"))
    courseid = models.BigIntegerField(_("course id"), null=True, blank=True)
    relateduserid = models.BigIntegerField(_("related user id"), null=True, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    other = models.TextField(_("other"), null=True, blank=True)
    timecreated = models.BigIntegerField(_("time (Unix)"))
    origin = models.CharField(_("origin"), max_length=10, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    realuserid = models.BigIntegerField(_("real user id"), null=True, blank=True)

    class Meta:
        db_table = "logstore_standard_log"
        verbose_name = _("standard log entry")
        verbose_name_plural = _("standard log entries")
        indexes = [
            # "All events of these courses between two times", the query analysis
            # runs per range; userid lets the per-user aggregation avoid a sort.
            models.Index(
                fields=["courseid", "timecreated", "userid"], name="stdlog_course_time"
            ),
            models.Index(fields=["userid", "timecreated"], name="stdlog_user_time"),
            models.Index(fields=["timecreated"], name="stdlog_time"),
        ]

    def __str__(self) -> str:
        return f"{self.eventname} by {self.userid} at {self.timecreated}"


class LegacyLogEntry(models.Model):
    """One event, shaped like Moodle's old `log` table (logstore_legacy)."""

    time = models.BigIntegerField(_("time (Unix)"))
    userid = models.BigIntegerField(_("user id"))
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    course = models.BigIntegerField(_("course id"))
    module = models.CharField(_("module"), max_length=20)
    cmid = models.BigIntegerField(_("course module id"), default=0)
    action = models.CharField(_("action"), max_length=40)
    url = models.CharField(_("URL"), max_length=100, blank=True)
    info = models.CharField(_("info"), max_length=255, blank=True)

    class Meta:
        db_table = "logstore_legacy_log"
        verbose_name = _("legacy log entry")
        verbose_name_plural = _("legacy log entries")
        indexes = [
            models.Index(
                fields=["course", "time", "userid"], name="legacylog_course_time"
            ),
            models.Index(fields=["userid", "time"], name="legacylog_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.module} {self.action} by {self.userid} at {self.time}"


class EventKind(models.Model):
    """An event name as a small integer, so the rollup compares integers, not text.

    Rows are added on write (logstore.services.rollup) and never renamed or deleted:
    rollup rows of both stores refer to them.
    """

    name = models.CharField(_("event name"), max_length=255, unique=True)

    class Meta:
        db_table = "logstore_event_kind"
        verbose_name = _("event kind")
        verbose_name_plural = _("event kinds")

    def __str__(self) -> str:
        return self.name


class ActivityRollup(models.Model):
    """Events of one store per (course, user, context, UTC day, education level,
    event kind), with crud letters pivoted into counts and the day's first and last
    event time: exactly what the analysis aggregate sums, so whole days are read
    from here and only the days a range boundary cuts from the raw log.

    `eventkind` is 0 outside activities (the analysis names events only in
    activity contexts), which keeps the table small. Maintained by
    logstore.services.rollup; `manage.py rollup_log --rebuild` rebuilds it.
    """

    store = models.PositiveSmallIntegerField(_("log store"))
    courseid = models.BigIntegerField(_("course id"))
    day = models.BigIntegerField(_("day (Unix time // 86400)"))
    userid = models.BigIntegerField(_("user id"))
    contextlevel = models.PositiveSmallIntegerField(_("context level"))
    contextinstanceid = models.BigIntegerField(_("context instance id"))
    edulevel = models.PositiveSmallIntegerField(_("education level"))
    eventkind = models.BigIntegerField(_("event kind"))
    n = models.BigIntegerField(_("events"))
    n_c = models.BigIntegerField(_("creates"))
    n_r = models.BigIntegerField(_("reads"))
    n_u = models.BigIntegerField(_("updates"))
    n_named = models.BigIntegerField(_("non-anonymous events"))
    n_named_cu = models.BigIntegerField(_("non-anonymous creates and updates"))
    first = models.BigIntegerField(_("first event (Unix)"))
    last = models.BigIntegerField(_("last event (Unix)"))

    class Meta:
        db_table = "logstore_activity_rollup"
        verbose_name = _("activity rollup")
        verbose_name_plural = _("activity rollups")
        indexes = [
            # Whole days of a chunk's courses, and the days a write touched.
            models.Index(fields=["store", "courseid", "day"], name="rollup_course_day"),
        ]

    def __str__(self) -> str:
        return f"{self.n} events of {self.userid} in {self.courseid} on day {self.day}"


class RollupState(models.Model):
    """How far the rollup of one store is: it covers every log row up to `max_id`
    and holds `rows` events in `groups` rollup rows. The reader uses the rollup only
    while the log's largest id is still `max_id` (rows written behind the service's
    back make it fall back to the raw log until the next write or rebuild), and
    only when it is enough smaller than the log (logstore.rollups)."""

    store = models.PositiveSmallIntegerField(_("log store"), unique=True)
    max_id = models.BigIntegerField(_("largest log id rolled up"), default=0)
    rows = models.BigIntegerField(_("log rows rolled up"), default=0)
    groups = models.BigIntegerField(_("rollup rows"), default=0)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "logstore_rollup_state"
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"store {self.store}: up to id {self.max_id}"
