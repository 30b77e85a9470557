"""Per-user API tokens, stored hashed.

A token is created in the admin, shown once, and from then on only its SHA-256
hash and its first characters (to tell tokens apart) are kept: a copy of the
database does not give anyone API access. A slow password hash is not needed, the
key is 256 random bits. Revoking keeps the row (who had access, when it was last
used); deleting it works too.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "fsk_"
PREFIX_LENGTH = 12


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """One key for one user: the API answers as that user, with their visibility."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The API answers with what this user may see on the pages."),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("What the token is for, e.g. the system that uses it."),
    )
    prefix = models.CharField(
        _("starts with"),
        max_length=PREFIX_LENGTH,
        editable=False,
        help_text=_("The first characters of the key, to tell tokens apart."),
    )
    key_hash = models.CharField(
        _("key hash"), max_length=64, unique=True, editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(
        _("revoked"),
        null=True,
        blank=True,
        help_text=_("Once set, the token no longer works."),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def key_generate(self) -> str:
        """Give the token a new random key; returns it (the only time it is seen)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        self.prefix = key[:PREFIX_LENGTH]
        self.key_hash = token_hash(key)
        return key

    def revoke(self) -> None:
        if self.revoked is None:
            self.revoked = timezone.now()
            self.save(update_fields=["revoked"])
