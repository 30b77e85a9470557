"""Move analytics models between sites: a zip in Moodle's export shape.

The zip holds `model-config.json` ({target, timesplitting, indicators, processor,
dependencies}, plug-ins named by Moodle class) and, when asked and trained, the
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
from django.utils.translation import gettext as _

from models_app import moodle_names
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.processors import model_unique_id
from models_app.services.models import analytics_model_create
from settings_app import selectors as settings_selectors

CONFIG_NAME = "model-config.json"
TRAINED_NAME = "mlbackend/model.zip"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


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
                "mlbackend/processor.json", json.dumps({"processor": config_processor})
            )
    return ModelExport(
        filename=f"model-{unique_id}-{int(time.time())}.zip", content=buffer.getvalue()
    )


def _read_zip(data: bytes) -> dict[str, bytes]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"size": len(data) // 2**20, "limit": MAX_UPLOAD_BYTES // 2**20}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationError(
            _(
                "This is not a zip file. Upload a model exported from Foresight or Moodle."
            )
        ) from None
    with archive:
        infos = archive.infolist()
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise ValidationError(
                    _("The zip holds a path outside its folder: %(name)s.")
                    % {"name": name}
                )
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise ValidationError(_("The zip unpacks to more than the allowed size."))
        names = {info.filename for info in infos}
        if CONFIG_NAME not in names:
            raise ValidationError(
                _("The zip has no %(name)s: it is not a model export.")
                % {"name": CONFIG_NAME}
            )
        return {
            name: archive.read(name)
            for name in (CONFIG_NAME, TRAINED_NAME, "mlbackend/processor.json")
            if name in names
        }


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
        unknown.append(_("target %(name)s") % {"name": config["target"]})
    if interval and interval not in registry.INTERVALS:
        unknown.append(
            _("analysis interval %(name)s") % {"name": config["timesplitting"]}
        )
    for key, name in zip(indicators, indicators_in, strict=True):
        if key not in registry.INDICATORS:
            unknown.append(_("indicator %(name)s") % {"name": name})
    if processor and processor not in registry.PROCESSORS:
        unknown.append(
            _("predictions processor %(name)s") % {"name": config["processor"]}
        )
    if unknown:
        raise ValidationError(
            _("This site does not have: %(list)s. Nothing was imported.")
            % {"list": "; ".join(unknown)}
        )
    return {
        "target": target,
        "interval": interval,
        "indicators": indicators,
        "processor": processor,
        "name": str(config.get("name") or ""),
    }


def analytics_model_import(*, data: bytes, user: Any = None) -> AnalyticsModel:
    """Create a disabled model from an export zip; all or nothing."""
    files = _read_zip(data)
    try:
        config = json.loads(files[CONFIG_NAME].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            _("model-config.json is not valid JSON: %(error)s") % {"error": exc}
        ) from None
    plan = _import_plan(config)
    weights = files.get(TRAINED_NAME)
    weights_processor = plan["processor"]
    if weights is not None and "mlbackend/processor.json" in files:
        try:
            weights_processor = json.loads(files["mlbackend/processor.json"])[
                "processor"
            ]
        except (ValueError, KeyError, TypeError):
            raise ValidationError(_("mlbackend/processor.json is not valid.")) from None
        if weights_processor not in registry.PROCESSORS:
            raise ValidationError(
                _(
                    "The trained model was made by the predictions processor "
                    "%(name)s, which is not installed here. Nothing was imported."
                )
                % {"name": weights_processor}
            )
    with transaction.atomic():
        model = analytics_model_create(
            target=plan["target"],
            indicators=plan["indicators"],
            interval=plan["interval"],
            processor=plan["processor"],
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
            except (
                Exception
            ) as exc:  # a bad archive from elsewhere: refuse, keep nothing
                raise ValidationError(
                    _("The trained model could not be imported: %(error)s")
                    % {"error": exc}
                ) from None
            model.trained = True
            if weights_processor and not model.processor:
                model.processor = weights_processor
            model.save(update_fields=["trained", "processor"])
    return model
