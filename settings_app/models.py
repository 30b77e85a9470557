"""Site information and analytics settings: one row each, edited in the admin.

Other apps never read these tables: they call `settings_app.selectors`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from settings_app.validators import ChoiceListValidator

#: Moodle's default analysis intervals for evaluation (defaulttimesplittingsevaluation).
DEFAULT_EVALUATION_INTERVALS = ("quarters_accum", "quarters", "single_range")


def default_evaluation_intervals() -> list[str]:
    return list(DEFAULT_EVALUATION_INTERVALS)


def new_site_identifier() -> str:
    """A random site identifier (Moodle's siteidentifier is 32 random characters
    and the host; the host is left out here so that nothing about it matters)."""
    return secrets.token_hex(16)


class SingletonModel(models.Model):
    """A table of one row, id 1, created on first read."""

    singleton_id = 1

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> SingletonModel:
        obj, _created = cls.objects.get_or_create(pk=cls.singleton_id)
        return obj


class SiteInformation(SingletonModel):
    class ModeOfInstruction(models.TextChoices):
        FACE_TO_FACE = "facetoface", _("Face to face")
        BLENDED = "blendedhybrid", _("Blended or hybrid")
        FULLY_ONLINE = "fullyonline", _("Fully online")

    class InstitutionType(models.TextChoices):
        ACADEMIC = "typeinstitutionacademic", _("Academic")
        TRAINING = "typeinstitutiontraining", _("Corporate training")
        NGO = "typeinstitutionngo", _("Non-governmental organization (NGO)")

    class InstitutionLevel(models.TextChoices):
        ISCED0 = (
            "levelinstitutionisced0",
            _(
                "Early childhood education ('less than primary' for educational attainment)"
            ),
        )
        ISCED1 = "levelinstitutionisced1", _("Primary education")
        ISCED2 = "levelinstitutionisced2", _("Lower secondary education")
        ISCED3 = "levelinstitutionisced3", _("Upper secondary education")
        ISCED4 = (
            "levelinstitutionisced4",
            _(
                "Post-secondary non-tertiary education "
                "(may include corporate or community/NGO training)"
            ),
        )
        ISCED5 = (
            "levelinstitutionisced5",
            _(
                "Short-cycle tertiary education "
                "(may include corporate or community/NGO training)"
            ),
        )
        ISCED6 = "levelinstitutionisced6", _("Bachelor or equivalent level")
        ISCED7 = "levelinstitutionisced7", _("Master or equivalent level")
        ISCED8 = "levelinstitutionisced8", _("Doctoral or equivalent level")

    mode_of_instruction = models.JSONField(
        _("mode of instruction"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(ModeOfInstruction.values)],
        help_text=_(
            "How your organisation delivers its courses: face to face, blended or "
            "hybrid, fully online. Choose all that apply."
        ),
    )
    percent_online = models.PositiveSmallIntegerField(
        _("percentage of online work"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "If your organisation offers blended or hybrid courses, what percentage "
            "of student work is done online? A number between 0 and 100."
        ),
    )
    institution_type = models.JSONField(
        _("type of institution"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(InstitutionType.values)],
        help_text=_(
            "What kind of organisation this is: academic, corporate training or a "
            "non-governmental organization. Choose all that apply."
        ),
    )
    institution_level = models.JSONField(
        _("level of institution"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(InstitutionLevel.values)],
        help_text=_(
            "The levels of education your organisation offers, as the International "
            "Standard Classification of Education (ISCED 2011) names them. Choose all "
            "that apply."
        ),
    )

    siteidentifier = models.CharField(
        _("site identifier"),
        max_length=1000,
        default=new_site_identifier,
        editable=False,
        help_text=_(
            "Tells this site's models apart from other sites' on a shared ML backend "
            "server. Created once; changing it orphans every trained model."
        ),
    )

    class Meta:
        verbose_name = _("site information")
        verbose_name_plural = _("site information")

    def __str__(self) -> str:
        return str(_("Site information"))


class AnalyticsSettings(SingletonModel):
    class LogStore(models.TextChoices):
        STANDARD = "standard", _("Standard log")
        LEGACY = "legacy", _("Legacy log")

    class CalcLifetime(models.IntegerChoices):
        NEVER = 0, _("Never delete calculations")
        D1000 = 1000, _("1000 days")
        D365 = 365, _("365 days")
        D180 = 180, _("180 days")
        D150 = 150, _("150 days")
        D120 = 120, _("120 days")
        D90 = 90, _("90 days")
        D60 = 60, _("60 days")
        D35 = 35, _("35 days")

    enabled = models.BooleanField(
        _("analytics enabled"),
        default=True,
        help_text=_(
            "Analytics models, such as 'Students at risk of dropping out' or "
            "'Upcoming activities due', generate predictions and send insight "
            "notifications. When off, no model trains or predicts."
        ),
    )
    default_processor = models.CharField(
        _("default predictions processor"),
        max_length=50,
        default="builtin",
        help_text=_(
            "The machine learning backend that models use unless they choose their "
            "own. Changing it clears every model that uses the default."
        ),
    )
    logstore = models.CharField(
        _("log store"),
        max_length=20,
        choices=LogStore.choices,
        default=LogStore.STANDARD,
        help_text=_("The log that analytics reads to learn what users did."),
    )
    evaluation_intervals = models.JSONField(
        _("analysis intervals for evaluation"),
        default=default_evaluation_intervals,
        blank=True,
        help_text=_(
            "The analysis intervals tried when a model is evaluated. Leave empty "
            "to try every interval that can be evaluated."
        ),
    )
    models_output_dir = models.CharField(
        _("models output directory"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Directory where predictions processors store trained models and "
            "evaluation files. Empty means the 'models' folder of the data "
            "directory. Use shared storage when several servers run workers."
        ),
    )
    only_cli = models.BooleanField(
        _("run analytics from the command line only"),
        default=True,
        help_text=_(
            "When on, evaluation and analysis runs cannot be started from web "
            "pages, only from manage.py commands and the scheduled tasks."
        ),
    )
    model_time_limit = models.PositiveIntegerField(
        _("analysis time limit per model (seconds)"),
        default=20 * 60,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A run stops starting new courses after this long; the next run "
            "continues with the courses analysed least recently."
        ),
    )
    calc_lifetime = models.PositiveIntegerField(
        _("keep calculations for"),
        choices=CalcLifetime.choices,
        default=CalcLifetime.D35,
        help_text=_("Cached indicator calculations older than this are deleted."),
    )
    mlbackend_url = models.URLField(
        _("ML backend server URL"),
        blank=True,
        help_text=_("Base URL of the ML backend server, e.g. https://ml.example.org/"),
    )
    mlbackend_username = models.CharField(
        _("ML backend username"),
        max_length=150,
        blank=True,
        default="default",
        help_text=_("The user this site authenticates as on the ML backend server."),
    )
    mlbackend_password = models.CharField(
        _("ML backend password"),
        max_length=255,
        blank=True,
        help_text=_(
            "Never shown again once saved. Leave empty to use the "
            "FORESIGHT_MLBACKEND_PASSWORD environment variable."
        ),
    )
    mlbackend_verify_tls = models.BooleanField(
        _("verify the server's TLS certificate"),
        default=True,
        help_text=_(
            "Turn off only for a test server with a self-signed certificate: "
            "otherwise anyone on the network could pose as the server."
        ),
    )

    class Meta:
        verbose_name = _("analytics settings")
        verbose_name_plural = _("analytics settings")

    def __str__(self) -> str:
        return str(_("Analytics settings"))

    def mlbackend_effective_password(self) -> str:
        return self.mlbackend_password or settings.FORESIGHT_MLBACKEND_PASSWORD


class SettingChange(models.Model):
    """The audit trail of setting changes (Moodle's config changes report)."""

    class Section(models.TextChoices):
        ANALYTICS = "analyticssettings", _("Analytics settings")
        SITE = "analyticssite", _("Site information")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
    )
    timecreated = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    section = models.CharField(
        _("section"),
        max_length=100,
        choices=Section.choices,
        help_text=_("The settings page the change was made on."),
    )
    setting = models.CharField(
        _("setting"), max_length=100, help_text=_("Name of the setting (its field).")
    )
    old_value = models.TextField(
        _("old value"),
        blank=True,
        help_text=_("Lists, numbers and booleans as JSON; empty for secrets."),
    )
    new_value = models.TextField(
        _("new value"),
        blank=True,
        help_text=_("Secrets are recorded as “(changed)”, never with their value."),
    )

    class Meta:
        verbose_name = _("setting change")
        verbose_name_plural = _("setting changes")
        ordering = ["-timecreated", "-id"]

    def __str__(self) -> str:
        return f"{self.section}.{self.setting}"

    def setting_label(self) -> str:
        """The setting's label as the settings page shows it."""
        model = {
            self.Section.ANALYTICS: AnalyticsSettings,
            self.Section.SITE: SiteInformation,
        }.get(self.section)
        try:
            return str(capfirst(model._meta.get_field(self.setting).verbose_name))
        except (AttributeError, FieldDoesNotExist):
            return self.setting
