"""Moodle's permission model: contexts, roles, capabilities and role assignments.

Contexts form a tree (system > category > course > activity; user contexts hang
from the system context). Each context stores its materialised path ("/1/4/17"),
so "this context and its parents" is the list of ids in the path: one query.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContextLevel(models.IntegerChoices):
    """Moodle's context level numbers, kept so exported data maps across."""

    SYSTEM = 10, _("System")
    USER = 30, _("User")
    CATEGORY = 40, _("Category")
    COURSE = 50, _("Course")
    MODULE = 70, _("Activity")


class Permission(models.IntegerChoices):
    """Moodle's permission values; PROHIBIT anywhere beats every ALLOW."""

    INHERIT = 0, _("Not set")
    ALLOW = 1, _("Allow")
    PREVENT = -1, _("Prevent")
    PROHIBIT = -1000, _("Prohibit")


def capability_applies(*, capability_level: int, context_level: int) -> bool:
    """Whether a capability may be overridden in a context of `context_level`.

    As Moodle's override page: every capability in the system context; in a user
    context only user capabilities; elsewhere the capabilities of that level or
    below (a course capability in a category or course, not in an activity).
    """
    if context_level == ContextLevel.SYSTEM or capability_level == context_level:
        return True
    if ContextLevel.USER in (capability_level, context_level):
        return False
    return capability_level >= context_level


class ContextQuerySet(models.QuerySet):
    def for_instance(self, level: int, instance_id: int) -> ContextQuerySet:
        return self.filter(contextlevel=level, instanceid=instance_id)


class Context(models.Model):
    contextlevel = models.PositiveSmallIntegerField(
        _("context level"), choices=ContextLevel.choices
    )
    instanceid = models.BigIntegerField(
        _("instance id"),
        help_text=_("Id of the category, course, activity or user (0 for the system)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent context"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    path = models.CharField(
        _("path"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Ids of this context and its parents, from the system down."),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=1)

    objects = ContextQuerySet.as_manager()

    class Meta:
        verbose_name = _("context")
        verbose_name_plural = _("contexts")
        constraints = [
            models.UniqueConstraint(
                fields=["contextlevel", "instanceid"],
                name="context_level_instance_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_contextlevel_display()} {self.instanceid}"

    def path_ids(self) -> list[int]:
        """Ids of this context and all its parents, deepest first."""
        return [int(part) for part in reversed(self.path.strip("/").split("/")) if part]


class Capability(models.Model):
    name = models.CharField(
        _("name"),
        max_length=255,
        unique=True,
        help_text=_('Moodle-style name, e.g. "analytics:listinsights".'),
    )
    captype = models.CharField(
        _("type"),
        max_length=10,
        choices=[("read", _("Read")), ("write", _("Write"))],
        default="read",
    )
    contextlevel = models.PositiveSmallIntegerField(
        _("context level"),
        choices=ContextLevel.choices,
        help_text=_("The lowest context level where this capability makes sense."),
    )
    riskbitmask = models.PositiveIntegerField(_("risks"), default=0)

    class Meta:
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    class Archetype(models.TextChoices):
        MANAGER = "manager", _("Manager")
        COURSECREATOR = "coursecreator", _("Course creator")
        EDITINGTEACHER = "editingteacher", _("Teacher")
        TEACHER = "teacher", _("Non-editing teacher")
        STUDENT = "student", _("Student")
        GUEST = "guest", _("Guest")
        USER = "user", _("Authenticated user")
        FRONTPAGE = "frontpage", _("Authenticated user on site home")

    shortname = models.CharField(_("short name"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    archetype = models.CharField(
        _("archetype"), max_length=30, choices=Archetype.choices, blank=True
    )
    sortorder = models.PositiveIntegerField(_("sort order"), default=0)
    capabilities = models.ManyToManyField(
        Capability, through="RoleCapability", related_name="roles"
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sortorder", "shortname"]

    def __str__(self) -> str:
        return self.name


class RoleContextLevel(models.Model):
    """The context levels where a role may be assigned (Moodle's role_context_levels)."""

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="context_levels"
    )
    contextlevel = models.PositiveSmallIntegerField(
        _("context level"), choices=ContextLevel.choices
    )

    class Meta:
        verbose_name = _("assignable context level")
        verbose_name_plural = _("assignable context levels")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "contextlevel"], name="role_contextlevel_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} @ {self.get_contextlevel_display()}"


class RoleCapability(models.Model):
    """A role's permission for a capability: defined at system level, overridden below."""

    context = models.ForeignKey(
        Context,
        verbose_name=_("context"),
        on_delete=models.CASCADE,
        related_name="role_capabilities",
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.CASCADE)
    capability = models.ForeignKey(
        Capability, verbose_name=_("capability"), on_delete=models.CASCADE
    )
    permission = models.SmallIntegerField(
        _("permission"), choices=Permission.choices, default=Permission.ALLOW
    )
    timemodified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("role capability")
        verbose_name_plural = _("role capabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["context", "role", "capability"], name="role_capability_uniq"
            )
        ]
        indexes = [models.Index(fields=["capability", "context"])]

    def __str__(self) -> str:
        return f"{self.role} {self.capability} = {self.get_permission_display()}"

    def clean(self) -> None:
        if self.capability_id and self.context_id:
            capability, context = self.capability, self.context
            if not capability_applies(
                capability_level=capability.contextlevel,
                context_level=context.contextlevel,
            ):
                raise ValidationError(
                    {
                        "context": _(
                            "%(capability)s is a %(level)s capability: it cannot "
                            "be overridden in a %(context_level)s context."
                        )
                        % {
                            "capability": capability.name,
                            "level": capability.get_contextlevel_display(),
                            "context_level": context.get_contextlevel_display(),
                        }
                    }
                )


class RoleAssignment(models.Model):
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.CASCADE)
    context = models.ForeignKey(
        Context,
        verbose_name=_("context"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    timemodified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "context", "user"], name="role_assignment_uniq"
            )
        ]
        indexes = [models.Index(fields=["context", "role"])]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.context}"

    def clean(self) -> None:
        if self.role_id and self.context_id:
            allowed = set(
                RoleContextLevel.objects.filter(role_id=self.role_id).values_list(
                    "contextlevel", flat=True
                )
            )
            if self.context.contextlevel not in allowed:
                raise ValidationError(
                    {
                        "context": _(
                            "The role %(role)s cannot be assigned in a %(level)s "
                            "context. It can be assigned in: %(allowed)s."
                        )
                        % {
                            "role": self.role,
                            "level": self.context.get_contextlevel_display(),
                            "allowed": ", ".join(
                                str(ContextLevel(level).label)
                                for level in sorted(allowed)
                            )
                            or _("nowhere"),
                        }
                    }
                )
