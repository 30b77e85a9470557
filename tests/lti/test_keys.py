"""The tool's key pair: generated once, published as a JWKS, private half hidden."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from lti.models import ToolKey

pytestmark = pytest.mark.django_db


def test_jwks_publishes_one_generated_key_and_keeps_it(client):
    first = client.get(reverse("lti:jwks")).json()
    second = client.get(reverse("lti:jwks")).json()
    assert first == second and len(first["keys"]) == 1
    key = first["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key and "p" not in key
    assert ToolKey.objects.count() == 1


def test_the_published_key_checks_what_the_private_key_signs(client):
    keyset = KeySet.import_key_set(client.get(reverse("lti:jwks")).json())
    stored = ToolKey.objects.get()
    private = RSAKey.import_key(stored.private_pem)
    token = jwt.encode({"alg": "RS256", "kid": stored.kid}, {"a": 1}, private)
    assert jwt.decode(token, keyset, algorithms=["RS256"]).claims == {"a": 1}


def test_rotate_command_publishes_both_keys_until_the_old_is_retired(client):
    client.get(reverse("lti:jwks"))
    call_command("lti_rotate_key")
    assert len(client.get(reverse("lti:jwks")).json()["keys"]) == 2
    call_command("lti_rotate_key", "--retire-old")
    keys = client.get(reverse("lti:jwks")).json()["keys"]
    assert len(keys) == 1 and keys[0]["kid"] == ToolKey.objects.first().kid


def test_admin_never_shows_the_private_key(admin_client):
    client_page = admin_client.get(reverse("lti:jwks"))
    key = ToolKey.objects.get()
    page = admin_client.get(reverse("admin:lti_toolkey_change", args=[key.pk]))
    assert client_page.status_code == 200 and page.status_code == 200
    assert "PRIVATE KEY" not in page.content.decode()
    assert key.kid in page.content.decode()
