"""HTTP endpoints of Moodle's ML backend protocol (thin: check, call a service, answer).

Answers copy Moodle's server: JSON as text/html, result codes inside the body with
HTTP 200, 401 bodies word for word, 503 for an empty export, 405 before auth. Where
Moodle's server crashes (missing field, bad identifier) this one answers 400 with a
sentence; an unexpected error is logged and answered 500 without details.
"""

from __future__ import annotations

import functools
import json
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from mlbackend import services
from mlbackend.auth import credentials_check
from mlbackend.engine.bundle import BundleError
from mlbackend.engine.results import EngineError
from mlbackend.engine.storage import IDENTIFIER
from mlbackend.storage import storage_from_settings

logger = logging.getLogger(__name__)

TEXT = "text/html; charset=utf-8"
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
MAX_ITERATIONS = 100


class BadRequest(Exception):
    pass


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
    value = _value(request, name, required=required)
    if value is not None and not IDENTIFIER.match(value):
        raise BadRequest(
            f"Invalid {name}: use 1 to 128 letters, digits, '_' or '-' characters."
        )
    return value


def _number(request: HttpRequest, name: str) -> float:
    value = _value(request, name)
    if not _NUMBER.match(value):
        raise BadRequest(f"Invalid {name}: {value[:20]!r} is not a number.")
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
    return _text(services.VERSION)


@protocol_view("POST")
def training(request: HttpRequest) -> HttpResponse:
    return _json(
        services.training_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
        )
    )


@protocol_view("POST")
def prediction(request: HttpRequest) -> HttpResponse:
    return _json(
        services.prediction_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
        )
    )


@protocol_view("POST")
def evaluation(request: HttpRequest) -> HttpResponse:
    iterations = int(_number(request, "niterations"))
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise BadRequest(f"niterations must be between 1 and {MAX_ITERATIONS}.")
    return _json(
        services.evaluation_handle(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "dataset"),
            min_score=_number(request, "minscore"),
            max_deviation=_number(request, "maxdeviation"),
            n_iterations=iterations,
            trained_dirhash=_identifier(request, "trainedmodeldirhash", required=False),
        )
    )


@protocol_view("GET")
def evaluationlog(request: HttpRequest) -> HttpResponse:
    runid = _value(request, "runid")
    if not runid.isdigit() or len(runid) > 20:
        raise BadRequest("Invalid runid.")
    data = services.evaluation_log_zip(
        storage=storage_from_settings(),
        uniqueid=_identifier(request, "uniqueid"),
        dirhash=_identifier(request, "dirhash"),
        runid=int(runid),
    )
    return _zip(data, f"evaluationlog-{runid}.zip")


@protocol_view("GET")
def export(request: HttpRequest) -> HttpResponse:
    data = services.export_zip(
        storage=storage_from_settings(),
        uniqueid=_identifier(request, "uniqueid"),
        dirhash=_identifier(request, "dirhash"),
    )
    if data is None:
        return _text(services.NOTHING_TO_EXPORT, status=503)
    return _zip(data, "export.zip")


@protocol_view("POST")
def import_(request: HttpRequest) -> HttpResponse:
    try:
        services.import_zip(
            storage=storage_from_settings(),
            uniqueid=_identifier(request, "uniqueid"),
            dirhash=_identifier(request, "dirhash"),
            data=_upload(request, "importzip"),
        )
    except BundleError as exc:
        raise BadRequest(f"The model could not be imported: {exc.message}") from None
    return _text("Ok")


@protocol_view("POST")
def deletemodel(request: HttpRequest) -> HttpResponse:
    storage_from_settings().delete(_identifier(request, "uniqueid"))
    return _text("Ok")
