"""An HTTP client for Moodle's ML backend protocol (ours or Moodle's moodlemlbackend).

It speaks the protocol as Moodle's PHP client does (multipart POSTs with the dataset
as a file part, GETs with query parameters, HTTP basic auth) and copes with the
quirks of Moodle's server: JSON answered as text/html, result codes inside the body
with HTTP 200, prediction rows of strings carrying the class *index*, an empty zip for
an unknown evaluation run. Transport problems raise MlbackendError naming the URL.

Credentials go as HTTP basic auth in UTF-8 (as curl sends them from Moodle, and
as both servers decode them); the password may hold any character, colons
included, since the server splits user from password at the first colon. No
message shows the password or any part of it: a user and password written into
the URL are removed from the URL shown.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from mlbackend.engine.dataset import Dataset, dataset_to_csv
from mlbackend.engine.results import EngineError, Prediction, Result

REQUIRED_VERSION = (3, 0, 5)


class MlbackendError(EngineError):
    """The server could not be used: unreachable, refused, or answered nonsense."""


# A model id no site uses (Moodle's ids are sha1 hex digests of the site and model).
CREDENTIALS_PROBE_ID = "0" * 40


def url_shown(url: str) -> str:
    """`url` without a user and password written into it, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def credentials_problem(username: str, password: str) -> str | None:
    """Why these credentials cannot be sent, or None."""
    if not username or not password:
        return "The ML backend server's username and password are not configured."
    if ":" in username:
        return (
            "The ML backend username contains a colon, which HTTP basic auth "
            "cannot carry (the server ends the username at the first colon): "
            "choose a username without one."
        )
    return None


def _version_tuple(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return None


class MlbackendClient:
    def __init__(
        self,
        *,
        url: str,
        username: str,
        password: str,
        verify: bool = True,
        timeout: float = 3600,
    ) -> None:
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.verify = verify
        self.timeout = timeout

    def _endpoint(self, name: str) -> str:
        return f"{self.url}/{name}"

    def _auth(self) -> tuple[bytes, bytes]:
        # Bytes, because requests encodes text as Latin-1: it would fail on "€"
        # with an error that quotes the password's character.
        return (self.username.encode(), self.password.encode())

    def _request(self, method: str, name: str, **kwargs: Any) -> requests.Response:
        endpoint = self._endpoint(name)
        url = url_shown(endpoint)
        problem = credentials_problem(self.username, self.password)
        if problem:
            raise MlbackendError(problem)
        try:
            response = requests.request(
                method,
                endpoint,
                # Bytes work (and must: see _auth); the stubs say str only.
                auth=self._auth(),  # type: ignore[arg-type]
                verify=self.verify,
                timeout=(10, self.timeout),
                **kwargs,
            )
        except requests.exceptions.SSLError as exc:
            raise MlbackendError(
                f"The ML backend server at {url} failed the TLS check: {exc}"
            ) from None
        except requests.exceptions.Timeout:
            raise MlbackendError(
                f"The ML backend server at {url} did not answer in time."
            ) from None
        except requests.exceptions.ConnectionError as exc:
            reason = exc.args[0] if exc.args else exc
            reason = getattr(reason, "reason", reason)
            raise MlbackendError(
                f"Cannot reach the ML backend server at {url}: {reason}"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise MlbackendError(f"Request to {url} failed: {exc}") from None
        if response.status_code == 401:
            raise MlbackendError(
                f"The ML backend server at {url} refused the user and password "
                f"(HTTP 401: {response.text[:200]})"
            )
        if response.status_code != 200:
            raise MlbackendError(
                f"The ML backend server at {url} answered HTTP status code "
                f"{response.status_code}: {response.text[:500]}",
            )
        return response

    def _json(self, response: requests.Response) -> dict[str, Any]:
        # Moodle's server sends JSON with Content-Type text/html: parse the text.
        try:
            payload = json.loads(response.text)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "status" not in payload:
            raise MlbackendError(
                f"The ML backend server at {url_shown(response.url)} did not "
                f"answer in the expected format: {response.text[:200]!r}"
            )
        return payload

    @staticmethod
    def _messages(payload: dict[str, Any]) -> list[str]:
        info = payload.get("info") or []
        errors = payload.get("errors") or []
        info = [info] if isinstance(info, str) else [str(i) for i in info]
        errors = [errors] if isinstance(errors, str) else [str(e) for e in errors]
        return info + [e for e in errors if e not in info]

    @staticmethod
    def _dataset_file(dataset: Dataset | bytes, *, labelled: bool) -> tuple:
        data = (
            dataset
            if isinstance(dataset, bytes)
            else dataset_to_csv(dataset, labelled=labelled)
        )
        name = f"{time.time():.3f}.csv"
        return (name, data, "application/octet-stream")

    def version(self) -> str:
        endpoint = self._endpoint("version")
        url = url_shown(endpoint)
        try:
            response = requests.get(endpoint, verify=self.verify, timeout=10)
        except requests.exceptions.RequestException as exc:
            reason = exc.args[0] if exc.args else exc
            reason = getattr(reason, "reason", reason)
            raise MlbackendError(
                f"Cannot reach the ML backend server at {url}: {reason}"
            ) from None
        if response.status_code != 200:
            raise MlbackendError(
                f"The ML backend server at {url} answered HTTP status code "
                f"{response.status_code}."
            )
        return response.text.strip()

    def ready(self) -> str | None:
        """None when the server answers with a compatible version, else why not."""
        if not self.url:
            return "No ML backend server URL is configured."
        problem = credentials_problem(self.username, self.password)
        if problem:
            return problem
        try:
            version = self.version()
        except MlbackendError as exc:
            return exc.message
        found = _version_tuple(version)
        if found is None or not (
            REQUIRED_VERSION <= found < (REQUIRED_VERSION[0] + 1,)
        ):
            return (
                f"The ML backend server at {url_shown(self.url)} has version "
                f"{version[:40]!r}; a 3.x version from 3.0.5 is required."
            )
        # /version needs no login, so check the credentials on an endpoint that does:
        # deleting a model id that no site uses changes nothing.
        try:
            self.delete(uniqueid=CREDENTIALS_PROBE_ID)
        except MlbackendError as exc:
            return exc.message
        return None

    def train(self, *, uniqueid: str, dirhash: str, dataset: Dataset | bytes) -> Result:
        response = self._request(
            "POST",
            "training",
            data={"uniqueid": uniqueid, "dirhash": dirhash},
            files={"dataset": self._dataset_file(dataset, labelled=True)},
        )
        payload = self._json(response)
        return Result(status=int(payload["status"]), info=self._messages(payload))

    def predict(
        self, *, uniqueid: str, dirhash: str, dataset: Dataset | bytes
    ) -> Result:
        """Predictions with class *values*: the server's class index is mapped back."""
        response = self._request(
            "POST",
            "prediction",
            data={"uniqueid": uniqueid, "dirhash": dirhash},
            files={"dataset": self._dataset_file(dataset, labelled=False)},
        )
        payload = self._json(response)
        result = Result(status=int(payload["status"]), info=self._messages(payload))
        classes = dataset.target_classes if isinstance(dataset, Dataset) else None
        for row in payload.get("predictions") or []:
            if not isinstance(row, list) or len(row) < 2:
                continue  # Moodle skips one-element rows too
            index = int(float(row[1]))
            value = classes[index] if classes and 0 <= index < len(classes) else index
            score = float(row[2]) if len(row) > 2 else 1.0
            result.predictions.append(
                Prediction(sample_id=str(row[0]), prediction=value, score=score)
            )
        return result

    def evaluate(
        self,
        *,
        uniqueid: str,
        dirhash: str,
        dataset: Dataset | bytes,
        min_score: float,
        max_deviation: float,
        n_iterations: int,
        trained_dirhash: str | None = None,
    ) -> Result:
        fields = {
            "uniqueid": uniqueid,
            "dirhash": dirhash,
            "minscore": repr(float(min_score)),
            "maxdeviation": repr(float(max_deviation)),
            "niterations": str(int(n_iterations)),
        }
        if trained_dirhash:
            fields["trainedmodeldirhash"] = trained_dirhash
        response = self._request(
            "POST",
            "evaluation",
            data=fields,
            files={"dataset": self._dataset_file(dataset, labelled=True)},
        )
        payload = self._json(response)
        metrics = {
            k: v
            for k, v in payload.items()
            if k not in ("status", "info", "errors", "runid", "dir")
        }
        score = payload.get("score")
        deviation = payload.get("score_deviation")
        return Result(
            status=int(payload["status"]),
            info=self._messages(payload),
            score=None if score is None else float(score),
            deviation=None if deviation is None else float(deviation),
            metrics=metrics,
            dir=str(payload.get("dir", "")),
            runid=payload.get("runid"),
        )

    def evaluation_log(self, *, uniqueid: str, dirhash: str, runid: int) -> bytes:
        response = self._request(
            "GET",
            "evaluationlog",
            params={"uniqueid": uniqueid, "dirhash": dirhash, "runid": runid},
        )
        return response.content

    def export(self, *, uniqueid: str, dirhash: str) -> bytes:
        """The trained model as a zip; raises MlbackendError when nothing is trained."""
        try:
            response = self._request(
                "GET", "export", params={"uniqueid": uniqueid, "dirhash": dirhash}
            )
        except MlbackendError as exc:
            if "HTTP status code 503" in exc.message:
                raise MlbackendError(
                    "There is nothing to export: the model is not trained.",
                    status=2,
                ) from None
            raise
        return response.content

    def import_(self, *, uniqueid: str, dirhash: str, data: bytes) -> None:
        self._request(
            "POST",
            "import",
            data={"uniqueid": uniqueid, "dirhash": dirhash},
            files={"importzip": ("import.zip", data, "application/zip")},
        )

    def delete(self, *, uniqueid: str) -> None:
        self._request("POST", "deletemodel", data={"uniqueid": uniqueid})
