"""The learning site being analysed: categories, courses, activities, people's progress.

Each category, course and activity has a Moodle-style context in `access`; lms/signals.py
keeps them in step when rows are saved one by one, and the bulk paths (importers, the
site generator) create contexts with `access.services.contexts_bulk_ensure`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from access.models import ContextLevel


class Category(models.Model):
    name = models.CharField(_("name"), max_length=255)
    idnumber = models.CharField(_("ID number"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    visible = models.BooleanField(_("visible"), default=True)
    sortorder = models.PositiveIntegerField(_("sort order"), default=0)

    context_level = ContextLevel.CATEGORY

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sortorder", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError(
                    {"parent": _("A category cannot be inside itself or its children.")}
                )
            ancestor = ancestor.parent


class CourseQuerySet(models.QuerySet):
    def visible(self) -> CourseQuerySet:
        return self.filter(visible=True)


class Course(models.Model):
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    shortname = models.CharField(_("short name"), max_length=255, unique=True)
    fullname = models.CharField(_("full name"), max_length=1333)
    idnumber = models.CharField(_("ID number"), max_length=100, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    startdate = models.DateTimeField(
        _("start date"),
        null=True,
        blank=True,
        help_text=_("When teaching starts. Courses without one are not analysed."),
    )
    enddate = models.DateTimeField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("When teaching ends. Needed to train models on finished courses."),
    )
    visible = models.BooleanField(
        _("visible"), default=True, help_text=_("Hidden courses get no predictions.")
    )
    enablecompletion = models.BooleanField(
        _("completion tracking"),
        default=False,
        help_text=_("Whether activity and course completion are tracked."),
    )
    grade_max = models.DecimalField(
        _("maximum grade"), max_digits=10, decimal_places=5, default=100
    )
    grade_to_pass = models.DecimalField(
        _("grade to pass"),
        max_digits=10,
        decimal_places=5,
        default=0,
        help_text=_("Minimum course grade to pass; 0 means not set."),
    )
    timecreated = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CourseQuerySet.as_manager()
    context_level = ContextLevel.COURSE

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["shortname"]
        indexes = [models.Index(fields=["startdate", "enddate"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enddate__isnull=True)
                | models.Q(startdate__isnull=True)
                | models.Q(enddate__gte=models.F("startdate")),
                name="course_end_after_start",
                violation_error_message=_(
                    "The course end date must be after its start."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.fullname

    def clean(self) -> None:
        if self.startdate and self.enddate and self.enddate < self.startdate:
            raise ValidationError(
                {"enddate": _("The course end date must be after its start date.")}
            )


class Activity(models.Model):
    """A course module (Moodle's course_modules row plus its instance's name)."""

    class Type(models.TextChoices):
        ASSIGN = "assign", _("Assignment")
        BOOK = "book", _("Book")
        CHAT = "chat", _("Chat")
        CHOICE = "choice", _("Choice")
        DATA = "data", _("Database")
        FEEDBACK = "feedback", _("Feedback")
        FOLDER = "folder", _("Folder")
        FORUM = "forum", _("Forum")
        GLOSSARY = "glossary", _("Glossary")
        IMSCP = "imscp", _("IMS content package")
        LABEL = "label", _("Text and media area")
        LESSON = "lesson", _("Lesson")
        LTI = "lti", _("External tool")
        PAGE = "page", _("Page")
        QUIZ = "quiz", _("Quiz")
        RESOURCE = "resource", _("File")
        SCORM = "scorm", _("SCORM package")
        SURVEY = "survey", _("Survey")
        URL = "url", _("URL")
        WIKI = "wiki", _("Wiki")
        WORKSHOP = "workshop", _("Workshop")

    # Types whose instances have a due date in Moodle (assign: duedate, quiz: timeclose,
    # lesson: deadline, workshop: submissionend, forum: duedate since Moodle 4.0, ...).
    TYPES_WITH_DUE_DATE = frozenset(
        {
            "assign",
            "quiz",
            "lesson",
            "workshop",
            "choice",
            "feedback",
            "data",
            "scorm",
            "forum",
        }
    )

    class Completion(models.IntegerChoices):
        NONE = 0, _("Do not indicate activity completion")
        MANUAL = 1, _("Students can manually mark the activity as completed")
        AUTOMATIC = 2, _("Show activity as complete when conditions are met")

    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    modname = models.CharField(_("type"), max_length=20, choices=Type.choices)
    name = models.CharField(_("name"), max_length=1333)
    idnumber = models.CharField(_("ID number"), max_length=100, blank=True)
    section = models.PositiveIntegerField(_("section"), default=0)
    visible = models.BooleanField(_("visible"), default=True)
    duedate = models.DateTimeField(
        _("due date"),
        null=True,
        blank=True,
        help_text=_("Only for types that have one (assignment, quiz, lesson, ...)."),
    )
    completion = models.PositiveSmallIntegerField(
        _("completion tracking"), choices=Completion.choices, default=Completion.NONE
    )
    grade_max = models.DecimalField(
        _("maximum grade"), max_digits=10, decimal_places=5, null=True, blank=True
    )
    added = models.DateTimeField(_("added"), null=True, blank=True)

    context_level = ContextLevel.MODULE

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["course_id", "section", "id"]
        indexes = [models.Index(fields=["course", "modname"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.duedate and self.modname not in self.TYPES_WITH_DUE_DATE:
            raise ValidationError(
                {
                    "duedate": _("Activities of type %(type)s have no due date.")
                    % {"type": self.get_modname_display()}
                }
            )


class Enrolment(models.Model):
    """A user's enrolment in a course (Moodle's user_enrolments)."""

    class Status(models.IntegerChoices):
        ACTIVE = 0, _("Active")
        SUSPENDED = 1, _("Suspended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.ACTIVE
    )
    timestart = models.DateTimeField(_("enrolment starts"), null=True, blank=True)
    timeend = models.DateTimeField(
        _("enrolment ends"),
        null=True,
        blank=True,
        help_text=_("Empty means the enrolment does not end (or the student stays)."),
    )
    timecreated = models.DateTimeField(_("created"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrolment_uniq")
        ]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    def clean(self) -> None:
        if self.timestart and self.timeend and self.timeend < self.timestart:
            raise ValidationError(
                {"timeend": _("The enrolment cannot end before it starts.")}
            )


class CourseGrade(models.Model):
    """A user's final grade in a course (the course grade item)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="grades",
    )
    finalgrade = models.DecimalField(
        _("final grade"), max_digits=10, decimal_places=5, null=True, blank=True
    )
    timemodified = models.DateTimeField(_("modified"), null=True, blank=True)

    class Meta:
        verbose_name = _("course grade")
        verbose_name_plural = _("course grades")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="course_grade_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.course}: {self.finalgrade}"


class ActivityGrade(models.Model):
    """A user's grade in a graded activity (assignment, quiz, ...)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="grades",
    )
    grade = models.DecimalField(
        _("grade"), max_digits=10, decimal_places=5, null=True, blank=True
    )
    timesubmitted = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity grade")
        verbose_name_plural = _("activity grades")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity"], name="activity_grade_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.activity}: {self.grade}"


class ActivityCompletion(models.Model):
    class State(models.IntegerChoices):
        INCOMPLETE = 0, _("Not completed")
        COMPLETE = 1, _("Completed")
        COMPLETE_PASS = 2, _("Completed (passed)")
        COMPLETE_FAIL = 3, _("Completed (failed)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="completions",
    )
    state = models.PositiveSmallIntegerField(
        _("state"), choices=State.choices, default=State.INCOMPLETE
    )
    timemodified = models.DateTimeField(_("modified"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity completion")
        verbose_name_plural = _("activity completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity"], name="activity_completion_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.activity}: {self.get_state_display()}"


class CourseCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="completions",
    )
    timeenrolled = models.DateTimeField(_("enrolled"), null=True, blank=True)
    timestarted = models.DateTimeField(_("started"), null=True, blank=True)
    timecompleted = models.DateTimeField(
        _("completed"),
        null=True,
        blank=True,
        help_text=_("Empty while the course is not completed."),
    )

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="course_completion_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.course}"


class UserProfile(models.Model):
    """The few profile facts about a Django user that indicators and insights need."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    description = models.TextField(_("description"), blank=True)
    picture = models.BooleanField(
        _("has a picture"), default=False, help_text=_("Whether a picture is set.")
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    lang = models.CharField(_("language"), max_length=10, default="en")
    timezone = models.CharField(_("time zone"), max_length=100, blank=True)
    firstaccess = models.DateTimeField(_("first access"), null=True, blank=True)
    lastaccess = models.DateTimeField(_("last access"), null=True, blank=True)
    email_notifications = models.BooleanField(
        _("email notifications"),
        default=True,
        help_text=_("Send insight notifications by email as well as in the site."),
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)
