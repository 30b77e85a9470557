"""A learning-platform stand-in on 127.0.0.1 that launches tools as Moodle 4.4 does.

A real HTTP server thread with its own RSA key serves, under `/moodle`:

- `mod/lti/certs.php`: its JWKS (Moodle's keyset URL);
- `mod/lti/launch.php?user=<id>`: the page Moodle puts in the iframe, which POSTs
  the login initiation (iss, target_link_uri, login_hint, lti_message_hint,
  client_id, lti_deployment_id) to the tool;
- `mod/lti/auth.php`: the authentication request, checked as Moodle's auth.php
  does (client id, exact redirect URI, form_post, prompt, nonce, known user),
  answered with a form that POSTs `id_token` and `state` to the redirect URI;
- `/embed?user=<id>`: a course page embedding the launch in an iframe.

Claims are those of the real Moodle launches in shared/data/moodle-lti/launches.json (one template
per Moodle user id), with this platform's issuer, client id, deployment, nonce and
times. `tamper` overrides claims and `sign_with` signs with another key, for the
bad-input tests.
"""

from __future__ import annotations

import copy
import html
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

#: The real Moodle launches, read where the project keeps shared data (never copied).
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "moodle-lti"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def moodle_launches() -> list[dict[str, Any]]:
    return json.loads((DATA / "launches.json").read_text())["launches"]


def claim_templates(variant: str = "share-name-email-custom") -> dict[str, dict]:
    """Moodle's claims per user id (sub), from the real launches of `variant`."""
    return {
        launch["claims"]["sub"]: launch["claims"]
        for launch in moodle_launches()
        if launch["variant"] == variant
    }


def _autosubmit(action: str, fields: dict[str, str]) -> bytes:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        "<!DOCTYPE html><html><body>"
        f'<form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.getElementById('f').submit();</script>"
        "</body></html>"
    ).encode()


class PlatformStandIn:
    """The platform: start(), configure `tool_*` URLs, then drive a browser at it."""

    def __init__(
        self,
        *,
        client_id: str = "StandInClient01",
        deployment_id: str = "1",
        variant: str = "share-name-email-custom",
    ) -> None:
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "standin-1", "alg": "RS256", "use": "sig"}
        )
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.templates = claim_templates(variant)
        self.tool_login_url = ""
        self.tool_launch_url = ""
        self.tamper: dict[str, Any] = {}
        self.sign_with: RSAKey | None = None
        self.issued: list[str] = []
        self.errors: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- addresses ---
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.origin}/moodle"

    @property
    def keyset_url(self) -> str:
        return f"{self.issuer}/mod/lti/certs.php"

    @property
    def auth_url(self) -> str:
        return f"{self.issuer}/mod/lti/auth.php"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/mod/lti/token.php"

    def launch_page(self, user: str, cmid: int = 92) -> str:
        return f"{self.issuer}/mod/lti/launch.php?user={user}&cmid={cmid}"

    def embed_page(self, user: str) -> str:
        return f"{self.origin}/embed?user={user}"

    def start(self) -> PlatformStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- tokens ---
    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]}

    def id_token(self, *, sub: str, nonce: str, **overrides: Any) -> str:
        """A launch for Moodle user `sub`, signed now with this platform's key."""
        claims = copy.deepcopy(self.templates[sub])
        now = int(time.time())
        claims.update(
            {
                "iss": self.issuer,
                "aud": self.client_id,
                "nonce": nonce,
                "iat": now,
                "exp": now + 60,
                CLAIM + "deployment_id": self.deployment_id,
                CLAIM + "target_link_uri": self.tool_launch_url,
            }
        )
        claims.update(self.tamper)
        claims.update(overrides)
        for name in [k for k, v in claims.items() if v is None]:
            del claims[name]
        key = self.sign_with or self.key
        header = {"typ": "JWT", "alg": "RS256", "kid": key.kid or "standin-1"}
        token = jwt.encode(header, claims, key)
        self.issued.append(token)
        return token

    # --- HTTP ---
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str = "text/html") -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/moodle/mod/lti/certs.php":
                    self._send(
                        200, json.dumps(platform.jwks()).encode(), "application/json"
                    )
                elif parts.path == "/moodle/mod/lti/launch.php":
                    self._send(200, platform._login_form(query))
                elif parts.path == "/moodle/mod/lti/auth.php":
                    status, body = platform._authenticate(query)
                    self._send(status, body)
                elif parts.path == "/embed":
                    src = html.escape(platform.launch_page(query.get("user", "")))
                    body = (
                        "<!DOCTYPE html><html><body><h1>LTI capture course</h1>"
                        f'<iframe id="tool" name="tool" src="{src}" width="900" '
                        'height="600"></iframe></body></html>'
                    ).encode()
                    self._send(200, body)
                else:
                    self._send(404, b"not found", "text/plain")

        return Handler

    def _login_form(self, query: dict[str, str]) -> bytes:
        user = query.get("user", "")
        hint = json.dumps({"cmid": int(query.get("cmid", 92)), "launchid": "lti1_1"})
        return _autosubmit(
            self.tool_login_url,
            {
                "iss": self.issuer,
                "target_link_uri": self.tool_launch_url,
                "login_hint": user,
                "lti_message_hint": hint,
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
            },
        )

    def _authenticate(self, query: dict[str, str]) -> tuple[int, bytes]:
        """Moodle's auth.php checks, then the form that posts the id_token."""
        problems = []
        if query.get("client_id") != self.client_id:
            problems.append("client_id")
        if query.get("redirect_uri") != self.tool_launch_url:
            problems.append("redirect_uri")
        if query.get("response_mode") != "form_post":
            problems.append("response_mode")
        if query.get("prompt") not in ("", "none"):
            problems.append("prompt")
        if query.get("scope") != "openid" or query.get("response_type") != "id_token":
            problems.append("scope")
        if not query.get("nonce") or not query.get("state"):
            problems.append("nonce/state")
        if query.get("login_hint") not in self.templates:
            problems.append("login_hint")
        if problems:
            self.errors.append(",".join(problems))
            return 400, ("invalid request: " + ", ".join(problems)).encode()
        token = self.id_token(sub=query["login_hint"], nonce=query["nonce"])
        return 200, _autosubmit(
            query["redirect_uri"], {"id_token": token, "state": query["state"]}
        )
