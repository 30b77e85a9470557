"""Move analytics models between sites: a zip in Moodle's export shape.

The zip holds `model-config.json` ({target, timesplitting, indicators, processor,
dependencies}, plug-ins named by Moodle class, plus Foresight's own `name` and
`estimator`, which Moodle ignores) and, when asked and trained, the
processor's export of the trained model under `mlbackend/`. Moodle can import what
Foresight exports and the other way round, for every plug-in both know.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from models_app import moodle_names
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.processors import model_unique_id
from models_app.plugins.processors.builtin import ESTIMATOR_LABELS
from models_app.services import archives
from models_app.services.models import analytics_model_create
from settings_app import selectors as settings_selectors

CONFIG_NAME = "model-config.json"
TRAINED_NAME = "mlbackend/model.zip"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PROCESSOR_NAME = "mlbackend/processor.json"
#: Unknown plug-ins listed in a refusal; the rest are counted.
MAX_LISTED = 20
NOT_ZIP = _lazy(
    "This is not a zip file. Upload a model exported from Foresight or Moodle."
)


@dataclass(frozen=True)
class ModelExport:
    filename: str
    content: bytes


def _processor_key(model: AnalyticsModel) -> str:
    return model.processor or settings_selectors.default_processor()


def analytics_model_export(
    *, model: AnalyticsModel, include_weights: bool = False
) -> ModelExport:
    """The export zip of a model; weights only for trained, non-rule-based models."""
    target = registry.target_class(model.target)
    if target.based_on_assumptions:
        raise ValidationError(
            _("Rule-based models cannot be exported: they are defined by their target.")
        )
    if not model.interval or not model.indicators:
        raise ValidationError(
            _("Only models with an analysis interval and indicators can be exported.")
        )
    config = {
        "target": moodle_names.target_name(model.target),
        "timesplitting": moodle_names.interval_name(model.interval),
        "indicators": [moodle_names.indicator_name(key) for key in model.indicators],
        "processor": moodle_names.processor_name(model.processor)
        if model.processor
        else "",
        "dependencies": {"foresight": "1"},
        "name": model.name,
        "estimator": model.estimator,
    }
    unique_id = model_unique_id(model_pk=model.pk, version=model.version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONFIG_NAME, json.dumps(config, indent=2))
        if include_weights and model.trained:
            processor = registry.processor_class(_processor_key(model))()
            weights = processor.export(
                model_id=unique_id, output_dir=settings_selectors.models_output_dir()
            )
            archive.writestr(TRAINED_NAME, weights)
            config_processor = _processor_key(model)
            archive.writestr(
                PROCESSOR_NAME, json.dumps({"processor": config_processor})
            )
    return ModelExport(
        filename=_export_filename(model, unique_id), content=buffer.getvalue()
    )


def _export_filename(model: AnalyticsModel, unique_id: str) -> str:
    """Moodle's `model-<unique id>-<time>.zip` with the model's name in it, so an
    admin who exports several models can tell the files apart (ASCII only: the
    name goes into a Content-Disposition header)."""
    name = slugify(model.name)[:60].strip("-") or slugify(model.target)
    return f"model-{name}-{unique_id}-{int(time.time())}.zip"


def _read_zip(data: bytes) -> tuple[dict[str, bytes], archives.ExpansionBudget]:
    """The members an import uses, each byte paid from the upload's expansion
    budget, and what is left of that budget for the zips inside them."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"size": len(data) // 2**20, "limit": MAX_UPLOAD_BYTES // 2**20}
        )
    budget = archives.expansion_budget(upload_bytes=len(data))
    with archives.zip_open(
        data, budget=budget, label=_("the uploaded zip"), not_zip_message=str(NOT_ZIP)
    ) as archive:
        # zipfile reads the last of several members with one name, as here.
        infos = {info.filename: info for info in archive.infolist()}
        if CONFIG_NAME not in infos:
            raise ValidationError(
                _("The zip has no %(name)s: it is not a model export.")
                % {"name": CONFIG_NAME}
            )
        files = {
            name: archives.member_read(
                archive, infos[name], budget=budget, label=_("the uploaded zip")
            )
            for name in (CONFIG_NAME, TRAINED_NAME, PROCESSOR_NAME)
            if name in infos
        }
    return files, budget


def _json(content: bytes, *, name: str) -> Any:
    """Parse a JSON member; anything unreadable is a message, never a traceback."""
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            _("%(name)s is not valid JSON: %(error)s") % {"name": name, "error": exc}
        ) from None
    except RecursionError:
        raise ValidationError(
            _("%(name)s is nested too deeply to be a model export.") % {"name": name}
        ) from None


def _import_plan(config: dict[str, Any]) -> dict[str, Any]:
    """Translate a model-config.json into keys, listing everything unknown."""
    if not isinstance(config, dict) or "target" not in config:
        raise ValidationError(_("model-config.json has no target."))
    indicators_in = config.get("indicators") or []
    if not isinstance(indicators_in, list):
        raise ValidationError(_("model-config.json: indicators must be a list."))
    target = moodle_names.target_key(str(config["target"]))
    interval = moodle_names.interval_key(str(config.get("timesplitting") or ""))
    indicators = [moodle_names.indicator_key(str(name)) for name in indicators_in]
    processor = moodle_names.processor_key(str(config.get("processor") or ""))
    unknown = []
    if target not in registry.TARGETS:
        unknown.append(_("target %(name)s") % {"name": _shorten(config["target"])})
    if interval and interval not in registry.INTERVALS:
        unknown.append(
            _("analysis interval %(name)s")
            % {"name": _shorten(config["timesplitting"])}
        )
    for key, name in zip(indicators, indicators_in, strict=True):
        if key not in registry.INDICATORS:
            unknown.append(_("indicator %(name)s") % {"name": _shorten(name)})
    if processor and processor not in registry.PROCESSORS:
        unknown.append(
            _("predictions processor %(name)s")
            % {"name": _shorten(config["processor"])}
        )
    if unknown:
        listed = unknown[:MAX_LISTED]
        if len(unknown) > MAX_LISTED:
            listed.append(_("%(count)d more") % {"count": len(unknown) - MAX_LISTED})
        raise ValidationError(
            _("This site does not have: %(list)s. Nothing was imported.")
            % {"list": "; ".join(listed)}
        )
    name = str(config.get("name") or "")
    if any(ord(char) < 32 for char in name):
        raise ValidationError(
            _(
                "The model name in model-config.json contains control characters "
                "(such as NUL or a line break). Correct the name and try again."
            )
        )
    return {
        "target": target,
        "interval": interval,
        "indicators": indicators,
        "processor": processor,
        "name": name,
        "estimator": _estimator(config.get("estimator")),
    }


def _estimator(value: Any) -> str:
    """The exported estimator when this site knows it; else the default (""): old
    exports and Moodle's name none, and a model should import all the same."""
    return value if isinstance(value, str) and value in ESTIMATOR_LABELS else ""


def _shorten(value: Any, limit: int = 80) -> str:
    """A name from the upload, short enough to echo back in a message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def analytics_model_import(*, data: bytes, user: Any = None) -> AnalyticsModel:
    """Create a disabled model from an export zip; all or nothing."""
    files, budget = _read_zip(data)
    plan = _import_plan(_json(files[CONFIG_NAME], name=CONFIG_NAME))
    weights = files.get(TRAINED_NAME)
    weights_processor = plan["processor"]
    if weights is not None and PROCESSOR_NAME in files:
        described = _json(files[PROCESSOR_NAME], name=PROCESSOR_NAME)
        weights_processor = (
            described.get("processor") if isinstance(described, dict) else None
        )
        if not isinstance(weights_processor, str):
            raise ValidationError(
                _("%(name)s does not name a predictions processor.")
                % {"name": PROCESSOR_NAME}
            )
        if weights_processor not in registry.PROCESSORS:
            raise ValidationError(
                _(
                    "The trained model was made by the predictions processor "
                    "%(name)s, which is not installed here. Nothing was imported."
                )
                % {"name": _shorten(weights_processor)}
            )
    if weights is not None:
        # Paid from what is left of the upload's budget: nesting multiplies nothing.
        archives.nested_zip_check(weights, budget=budget, label=TRAINED_NAME)
    with transaction.atomic():
        model = analytics_model_create(
            target=plan["target"],
            indicators=plan["indicators"],
            interval=plan["interval"],
            processor=plan["processor"],
            estimator=plan["estimator"],
            enabled=False,
            name=plan["name"],
            user=user,
        )
        if weights is not None:
            key = weights_processor or settings_selectors.default_processor()
            processor = registry.processor_class(key)()
            reason = processor.is_ready()
            if reason:
                raise ValidationError(reason)
            try:
                processor.import_(
                    model_id=model_unique_id(model_pk=model.pk, version=model.version),
                    output_dir=settings_selectors.models_output_dir(),
                    data=weights,
                )
            except Exception as exc:  # a bad archive from elsewhere: keep nothing
                error = str(exc).removeprefix("The model could not be imported: ")
                raise ValidationError(
                    _("The trained model could not be imported: %(error)s")
                    % {"error": error}
                ) from None
            model.trained = True
            if weights_processor and not model.processor:
                model.processor = weights_processor
            model.save(update_fields=["trained", "processor"])
    return model
