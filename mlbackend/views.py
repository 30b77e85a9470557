"""HTTP endpoints of Moodle's ML backend protocol (thin: check, call a service, answer).

Answers copy Moodle's server: JSON as text/html, result codes inside the body with
HTTP 200, 401 bodies word for word, 503 for an empty export, 405 before auth.
Identifiers are cleaned as Moodle's server cleans them (every character outside
[A-Za-z0-9_$-] deleted) and refused only when nothing, or more than 128 characters,
is left. Where Moodle's server crashes (missing field, unreadable body, Django's
request limits) this one answers 400 with a sentence; an unexpected error is logged
and answered 500 without details.
"""

from __future__ import annotations

import functools
import json
import logging
import re

from django.conf import settings
from django.core.exceptions import (
    BadRequest as DjangoBadRequest,
)
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from mlbackend.auth import credentials_check
from mlbackend.engine.results import EngineError
from mlbackend.engine.storage import IDENTIFIER, identifier_clean

logger = logging.getLogger(__name__)

TEXT = "text/html; charset=utf-8"
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_RUNID = re.compile(r"[0-9]{1,20}")
MAX_ITERATIONS = 100


class BadRequest(Exception):
    pass


def _services():
    """The engine, imported on the first request: it loads scikit-learn, skops and
    matplotlib (seconds), which every `manage.py` command would pay for otherwise,
    since the site's URLconf includes these views."""
    from mlbackend import services

    return services


def storage_from_settings():
    """The configured model storage (imported lazily for the same reason)."""
    from mlbackend.storage import storage_from_settings as configured

    return configured()


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=TEXT)


def _json(payload: dict) -> HttpResponse:
    return _text(json.dumps(payload))


def _zip(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def protocol_view(*methods: str):
    """Method check, then basic auth, then the upload limit; errors never leak."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest) -> HttpResponse:
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            problem = credentials_check(request.headers.get("Authorization"))
            if problem:
                return _text(problem, status=401)
            limit = int(getattr(settings, "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES", 0))
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit and length > limit:
                return _text(
                    f"The request is larger than this server accepts ({limit} bytes).",
                    status=413,
                )
            problem = _body_problem(request)
            if problem:
                return _text(problem, status=400)
            try:
                return view(request)
            except BadRequest as exc:
                return _text(str(exc), status=400)
            except EngineError as exc:
                return _text(exc.message, status=400)
            except Exception:
                logger.exception("ML backend request %s failed", request.path)
                return _text("Internal server error.", status=500)

        return wrapped

    return decorate


def _body_problem(request: HttpRequest) -> str | None:
    """Parse the query and body now, so a client's mistake is a 400 saying which."""
    try:
        request.GET  # noqa: B018 - parsing is the point
        request.POST  # noqa: B018
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return (
            "A form field is larger than this server accepts "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes): send large data as a "
            "file part."
        )
    except TooManyFieldsSent:
        return (
            "The request has more than "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields; the protocol sends at "
            "most seven."
        )
    except TooManyFilesSent:
        return (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} "
            "files; the protocol sends one."
        )
    except MultiPartParserError as exc:
        return (
            f"The multipart/form-data body cannot be read ({str(exc)[:80]}): send it "
            "with a "
            "boundary in the Content-Type header, as Moodle's client does."
        )
    except UnreadablePostError:
        return "The request body could not be read to its end."
    except LookupError:
        return "The Content-Type names a character set this server does not know."
    except (SuspiciousOperation, DjangoBadRequest, UnicodeDecodeError, ValueError):
        return "The request body cannot be read as form data."
    return None


def _value(request: HttpRequest, name: str, *, required: bool = True) -> str | None:
    """A field from the form or the query string (Moodle reads request.values)."""
    value = request.POST.get(name)
    if value is None:
        value = request.GET.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"Missing parameter: {name}.")
        return None
    return value


def _identifier(request: HttpRequest, name: str, *, required: bool = True):
    """The field with every character outside [A-Za-z0-9_$-] deleted, as Moodle."""
    value = _value(request, name, required=required)
    if value is None:
        return None
    cleaned = identifier_clean(value)
    if not IDENTIFIER.fullmatch(cleaned):
        raise BadRequest(
            f"Invalid {name}: 1 to 128 letters, digits, '_', '-' or '$' characters "
            f"must be left once the others are removed ({len(cleaned)} are)."
        )
    return cleaned


def _number(request: HttpRequest, name: str, *, low: float, high: float) -> float:
    value = _value(request, name)
    if not _NUMBER.fullmatch(value) or not low <= float(value) <= high:
        raise BadRequest(
            f"Invalid {name}: {value[:20]!r} is not a number from {low:g} to {high:g}."
        )
    return float(value)


def _upload(request: HttpRequest, name: str) -> bytes:
    upload = request.FILES.get(name)
    if upload is None:
        raise BadRequest(f"Missing file: {name}.")
    limit = int(getattr(settings, "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES", 0))
    if limit and upload.size > limit:
        raise BadRequest(
            f"The file is larger than this server accepts ({limit} bytes)."
        )
    return upload.read()


@csrf_exempt
def version(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _text(_services().VERSION)


@protocol_view("POST")
def training(request: HttpRequest) -> HttpResponse:
    return _json(
        _services().training_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
        )
    )


@protocol_view("POST")
def prediction(request: HttpRequest) -> HttpResponse:
    return _json(
        _services().prediction_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
        )
    )


@protocol_view("POST")
def evaluation(request: HttpRequest) -> HttpResponse:
    iterations = int(_number(request, "niterations", low=1, high=MAX_ITERATIONS))
    return _json(
        _services().evaluation_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
            min_score=_number(request, "minscore", low=0, high=1),
            max_deviation=_number(request, "maxdeviation", low=0, high=1),
            n_iterations=iterations,
            trained_dirhash=_identifier(request, "trainedmodeldirhash", required=False),
        )
    )


@protocol_view("GET")
def evaluationlog(request: HttpRequest) -> HttpResponse:
    runid = _value(request, "runid")
    if not _RUNID.fullmatch(runid):
        raise BadRequest("Invalid runid: use the number the evaluation answered.")
    data = _services().evaluation_log_zip(
        storage=storage_from_settings(),
        uniqueid=_identifier(request, "uniqueid"),
        dirhash=_identifier(request, "dirhash"),
        runid=int(runid),
    )
    return _zip(data, f"evaluationlog-{runid}.zip")


@protocol_view("GET")
def export(request: HttpRequest) -> HttpResponse:
    data = _services().export_zip(
        storage=storage_from_settings(),
        uniqueid=_identifier(request, "uniqueid"),
        dirhash=_identifier(request, "dirhash"),
    )
    if data is None:
        return _text(_services().NOTHING_TO_EXPORT, status=503)
    return _zip(data, "export.zip")


def _bundle_error() -> type[Exception]:
    from mlbackend.engine.bundle import BundleError

    return BundleError


@protocol_view("POST")
def import_(request: HttpRequest) -> HttpResponse:
    try:
        _services().import_zip(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "importzip"),
        )
    except _bundle_error() as exc:
        raise BadRequest(f"The model could not be imported: {exc.message}") from None
    return _text("Ok")


@protocol_view("POST")
def deletemodel(request: HttpRequest) -> HttpResponse:
    storage_from_settings().delete(_identifier(request, "uniqueid"))
    return _text("Ok")
