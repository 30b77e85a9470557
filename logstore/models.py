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
