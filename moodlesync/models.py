"""What the Moodle sync remembers: Moodle ids of synced rows, cursors, the run lock.

The lms, access and logstore tables keep their own ids; `ExternalId` maps each
Moodle id to the Foresight row it became, so a second sync updates rows in place
and the log's Moodle user, course and context ids can be translated in SQL (one
join per column) when log rows are copied in. Log rows keep Moodle's own id as
their primary key, which is what makes "never imported twice" a database fact.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.IntegerChoices):
    """What a Moodle id names. Context levels double as kinds, so the log's
    (contextlevel, contextinstanceid) pair is translated with one join."""

    CONTEXT = 1, _("Context")
    ROLE = 2, _("Role")
    ENROLMENT = 3, _("Enrolment")
    ROLE_ASSIGNMENT = 4, _("Role assignment")
    USER = 30, _("User")
    CATEGORY = 40, _("Category")
    COURSE = 50, _("Course")
    ACTIVITY = 70, _("Activity")


class ExternalId(models.Model):
    """A Moodle row (kind + Moodle id) and the Foresight row it was synced into."""

    kind = models.PositiveSmallIntegerField(_("kind"), choices=Kind.choices)
    moodle_id = models.BigIntegerField(_("Moodle id"))
    local_id = models.BigIntegerField(_("Foresight id"))

    class Meta:
        verbose_name = _("Moodle id")
        verbose_name_plural = _("Moodle ids")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "moodle_id"], name="moodlesync_kind_moodle_uniq"
            )
        ]
        indexes = [models.Index(fields=["kind", "local_id"], name="moodlesync_local")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.moodle_id} -> {self.local_id}"


class SyncState(models.Model):
    """The last run of one part of the sync (categories, users, log, ...)."""

    class Status(models.TextChoices):
        OK = "ok", _("Synced")
        FAILED = "failed", _("Refused")
        WARNINGS = "warnings", _("Synced with warnings")

    part = models.CharField(_("part"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OK
    )
    cursor = models.BigIntegerField(
        _("cursor"),
        default=0,
        help_text=_("Highest Moodle row id committed (the log); 0 for other parts."),
    )
    last_run = models.DateTimeField(_("last run"), null=True, blank=True)
    last_success = models.DateTimeField(_("last success"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    late_window = models.JSONField(
        _("late window"),
        default=dict,
        blank=True,
        help_text=_(
            "The log: each recent sync's time and cursor (marks), and the rows "
            "skipped on purpose or deleted in Moodle since (skipped, gone). Each "
            "sync looks again above the cursor of a day ago for rows whose "
            "transaction committed after the sync read."
        ),
    )

    class Meta:
        verbose_name = _("sync state")
        verbose_name_plural = _("sync states")
        ordering = ["part"]

    def __str__(self) -> str:
        return f"{self.part}: {self.get_status_display()}"


class SiteInfo(models.Model):
    """The Moodle site this Foresight syncs from (one row), as `config` says."""

    siteidentifier = models.CharField(_("site identifier"), max_length=255)
    release = models.CharField(_("release"), max_length=255, blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)
    timezone = models.CharField(_("time zone"), max_length=100, blank=True)
    wwwroot = models.CharField(_("address"), max_length=255, blank=True)
    last_sync = models.DateTimeField(_("last sync"), null=True, blank=True)

    class Meta:
        verbose_name = _("Moodle site")
        verbose_name_plural = _("Moodle site")

    def __str__(self) -> str:
        return self.release or self.siteidentifier


class CourseSection(models.Model):
    """A course section (Moodle's course_sections): number, name and activity order."""

    course = models.ForeignKey(
        "lms.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="moodle_sections",
    )
    moodle_id = models.BigIntegerField(_("Moodle id"), unique=True)
    section = models.PositiveIntegerField(_("section number"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    visible = models.BooleanField(_("visible"), default=True)
    sequence = models.JSONField(
        _("activity order"),
        default=list,
        help_text=_("Moodle course-module ids, in page order."),
    )
    available = models.JSONField(
        _("availability dates"),
        default=list,
        blank=True,
        help_text=_(
            'Date conditions as [direction, Unix time], direction ">=" or "<".'
        ),
    )

    class Meta:
        verbose_name = _("course section")
        verbose_name_plural = _("course sections")
        ordering = ["course_id", "section"]

    def __str__(self) -> str:
        return f"{self.course_id} #{self.section}"


class CourseFormat(models.Model):
    """A synced course's Moodle format (weeks, topics, ...)."""

    course = models.OneToOneField(
        "lms.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="moodle_format",
    )
    format = models.CharField(_("format"), max_length=21)

    class Meta:
        verbose_name = _("course format")
        verbose_name_plural = _("course formats")

    def __str__(self) -> str:
        return self.format


class ActivityDates(models.Model):
    """What Moodle's analytics reads to tell when a synced activity was due: its
    module's own due field (`get_timeclose_field`: assign duedate, quiz
    timeclose, ...; 0 when unset), kept apart from Activity.duedate, which falls
    back to other dates (an assignment's cut-off date); and the date conditions
    of its availability ("from" / "until"), in Moodle's tree order."""

    activity = models.OneToOneField(
        "lms.Activity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="moodle_dates",
    )
    timeclose = models.BigIntegerField(
        _("due (Unix)"), default=0, help_text=_("0 when the activity sets none.")
    )
    available = models.JSONField(
        _("availability dates"),
        default=list,
        blank=True,
        help_text=_(
            'Date conditions as [direction, Unix time], direction ">=" or "<".'
        ),
    )

    class Meta:
        verbose_name = _("activity dates for analytics")
        verbose_name_plural = _("activity dates for analytics")

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.timeclose}"


class SyncLock(models.Model):
    """Held while a sync runs, so that analysis waits instead of reading half a site."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    owner = models.CharField(_("owner"), max_length=200)
    acquired = models.DateTimeField(_("acquired"))
    expires = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("sync lock")
        verbose_name_plural = _("sync locks")

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"
