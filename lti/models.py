"""What the LTI tool remembers: platform registrations, its own keys, launches.

A `Platform` is one registration on a learning platform (Moodle creates one client
id per registration). `ToolKey` holds the tool's RSA key pair, generated once; the
private half never leaves the database through a page. `LoginState` and `UsedNonce`
make every launch single use. `LaunchUser` and `LaunchCourse` remember which
Foresight user and course a platform's user and context became, so a second launch
lands on the same rows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


class Platform(models.Model):
    """One tool registration on a learning platform (issuer + client id)."""

    name = models.CharField(
        _("name"), max_length=200, help_text=_("Shown on pages, e.g. the site's name.")
    )
    issuer = models.CharField(
        _("issuer"),
        max_length=255,
        help_text=_(
            "The platform's issuer (Moodle: its wwwroot, no trailing slash, as "
            '"Platform ID" in the tool configuration details).'
        ),
    )
    client_id = models.CharField(
        _("client id"),
        max_length=255,
        help_text=_("The client id the platform generated for this tool."),
    )
    deployment_ids = models.JSONField(
        _("deployment ids"),
        default=list,
        blank=True,
        help_text=_(
            'A list of deployment ids accepted, e.g. ["1"] (Moodle: the tool '
            "type id shown as Deployment ID)."
        ),
    )
    keyset_url = models.URLField(
        _("public keyset URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "Where the platform publishes its keys (Moodle: mod/lti/certs.php)."
        ),
    )
    public_key = models.TextField(
        _("public key"),
        blank=True,
        help_text=_(
            "A PEM public key, or a JWK set in JSON, instead of the keyset URL."
        ),
    )
    auth_login_url = models.URLField(
        _("authentication request URL"),
        max_length=500,
        help_text=_(
            "The platform's OIDC authorisation endpoint (Moodle: mod/lti/auth.php)."
        ),
    )
    token_url = models.URLField(
        _("access token URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "The platform's OAuth2 token endpoint (Moodle: mod/lti/token.php)."
        ),
    )
    frame_origins = models.TextField(
        _("frame origins"),
        blank=True,
        help_text=_(
            "Origins allowed to embed Foresight's pages, one per line. Empty: the "
            "origins of the issuer and the authentication request URL."
        ),
    )
    moodle_sync = models.BooleanField(
        _("synced by the Moodle sync"),
        default=False,
        help_text=_(
            "This is the Moodle site Foresight syncs: launches are mapped to its "
            "synced users and courses, and their synced roles decide."
        ),
    )
    create_unknown = models.BooleanField(
        _("create unknown users and courses"),
        default=True,
        help_text=_(
            "Create a user and a course shell from a launch Foresight cannot map. "
            "Off: such launches are refused."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("LTI platform")
        verbose_name_plural = _("LTI platforms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "client_id"], name="lti_platform_issuer_client_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.keyset_url and not self.public_key.strip():
            raise ValidationError(
                {
                    "keyset_url": _(
                        "Give the platform's keyset URL or paste its public key."
                    )
                }
            )
        if not isinstance(self.deployment_ids, list) or not all(
            isinstance(item, str) and item for item in self.deployment_ids
        ):
            raise ValidationError(
                {"deployment_ids": _('Give a list of strings, e.g. ["1"].')}
            )

    def allowed_frame_origins(self) -> list[str]:
        """Origins that may embed the pages this platform's launches reach."""
        lines = [line.strip().rstrip("/") for line in self.frame_origins.splitlines()]
        origins = [line for line in lines if line]
        if not origins:
            origins = [_origin(self.issuer), _origin(self.auth_login_url)]
        return sorted({origin for origin in origins if origin})


class ToolKey(models.Model):
    """One RSA key pair of the tool; the newest active one signs, all active are published."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    private_pem = models.TextField(_("private key"))
    public_jwk = models.JSONField(_("public key (JWK)"))
    active = models.BooleanField(
        _("published"),
        default=True,
        help_text=_(
            "Published in the tool's keyset. Retired keys are kept unpublished."
        ),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tool key")
        verbose_name_plural = _("tool keys")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.kid


class LoginState(models.Model):
    """A login initiation waiting for its launch: the state and nonce sent out."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    state = models.CharField(max_length=100, unique=True)
    nonce = models.CharField(max_length=100)
    message_hint = models.TextField(blank=True)
    expires = models.DateTimeField(db_index=True)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("login state")
        verbose_name_plural = _("login states")

    def __str__(self) -> str:
        return self.state


class UsedNonce(models.Model):
    """A nonce a platform's id_token carried: a second token with it is a replay."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=255)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("used nonce")
        verbose_name_plural = _("used nonces")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "nonce"], name="lti_usednonce_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.nonce


class LaunchUser(models.Model):
    """The Foresight user a platform's user (`sub`) became."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    sub = models.CharField(_("platform user id"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="lti_identities",
    )
    created_from_launch = models.BooleanField(_("created from a launch"), default=False)
    last_launch = models.DateTimeField(_("last launch"), null=True, blank=True)

    class Meta:
        verbose_name = _("launched user")
        verbose_name_plural = _("launched users")
        constraints = [
            models.UniqueConstraint(fields=["platform", "sub"], name="lti_user_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.sub} -> {self.user}"


class LaunchCourse(models.Model):
    """The Foresight course a platform's context became, and its last link there."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    context_id = models.CharField(_("platform context id"), max_length=255)
    course = models.ForeignKey(
        "lms.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="lti_contexts",
    )
    created_from_launch = models.BooleanField(_("created from a launch"), default=False)
    link_url = models.URLField(
        _("link on the platform"),
        max_length=500,
        blank=True,
        help_text=_("Opens the tool in this course on the platform (for email links)."),
    )

    class Meta:
        verbose_name = _("launched course")
        verbose_name_plural = _("launched courses")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "context_id"], name="lti_course_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.context_id} -> {self.course}"


class SignInToken(models.Model):
    """A one-time sign-in link for a user without a password; used once, then dead."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    next_url = models.CharField(max_length=1000)
    expires = models.DateTimeField(db_index=True)
    used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in token")
        verbose_name_plural = _("sign-in tokens")

    def __str__(self) -> str:
        return f"{self.user} ({self.expires:%Y-%m-%d %H:%M})"
