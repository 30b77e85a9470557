"""Reads for the models pages: models with their figures, logs, evaluation reports."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from mlbackend.engine.graphs import graphs_available
from models_app.models import AnalyticsModel, ModelLog
from settings_app import selectors as settings_selectors

EVALUATION_KINDS = (ModelLog.Kind.EVALUATION, ModelLog.Kind.EVALUATION_TRAINED)
RUN_KINDS = (ModelLog.Kind.TRAINING, ModelLog.Kind.PREDICTION)


def models_overview() -> QuerySet[AnalyticsModel]:
    """Every model with its number of predictions, last run and last evaluation."""
    logs = ModelLog.objects.filter(model=OuterRef("pk")).order_by("-timestarted", "-id")
    return AnalyticsModel.objects.annotate(
        predictions_count=Count("predictions", distinct=True),
        last_run=Subquery(logs.filter(kind__in=RUN_KINDS).values("timestarted")[:1]),
        last_run_result=Subquery(logs.filter(kind__in=RUN_KINDS).values("result")[:1]),
        last_evaluation_score=Subquery(
            logs.filter(kind__in=EVALUATION_KINDS, result__in=["ok", "warning"]).values(
                "score"
            )[:1]
        ),
    ).order_by("id")


def model_logs(*, model: AnalyticsModel) -> QuerySet[ModelLog]:
    return model.logs.all().order_by("-timestarted", "-id")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def evaluation_files_dir(*, directory: str) -> Path | None:
    """An evaluation's folder, only when it lies inside the models output directory."""
    if not directory:
        return None
    path = Path(directory)
    root = settings_selectors.models_output_dir()
    return path if path.is_dir() and _inside(path, root) else None


def evaluation_report(*, log: ModelLog) -> list[dict[str, Any]]:
    """Per interval: the logged result plus the metrics and graphs the processor kept."""
    report = []
    results = log.details.get("results", []) if isinstance(log.details, dict) else []
    for entry in results:
        item = dict(entry)
        folder = evaluation_files_dir(directory=str(entry.get("dir") or ""))
        item["metrics"] = {}
        item["graphs"] = []
        if folder is not None:
            metrics_file = folder / "metrics.json"
            if metrics_file.is_file():
                try:
                    item["metrics"] = json.loads(metrics_file.read_text())
                except ValueError:
                    item["metrics"] = {}
            item["graphs"] = graphs_available(folder)
        report.append(item)
    return report


def evaluation_best(*, report: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The interval with the highest score among usable results (status 0 first)."""
    scored = [item for item in report if item.get("score") is not None]
    if not scored:
        return None
    return max(scored, key=lambda item: (item.get("status") == 0, item["score"]))


def _share_text(shares: list[float]) -> str:
    low, high = round(100 * min(shares)), round(100 * max(shares))
    return f"{low}%" if low == high else f"{low}–{high}%"


def backtest_point_labels(*, report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per point key of a backtest report, where in the course it lies: `short`
    ("50%", for the chart's axis) and `label` ("Range 2: 50% of the course, to
    15 March 2026"). A point asked as a percentage is that share; a range of the
    analysis interval is located in the replayed courses (its share of each
    course, and its date when one course was replayed)."""
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _

    from models_app.analysis.analysables import course_analysables
    from models_app.plugins import registry

    keys = [str(row.get("point", "")) for row in report.get("points") or []]
    labels = {
        key: {"short": key, "label": _("%(share)s of the course") % {"share": key}}
        for key in keys
        if key.endswith("%")
    }
    ranged = [key for key in keys if key not in labels]
    if not ranged:
        return labels
    course_ids = {row.get("id") for row in report.get("test_courses") or []}
    try:
        interval = registry.interval_class(str(report.get("interval") or ""))()
    except registry.UnknownPlugin:
        return labels
    moments: dict[int, list[tuple[float, int]]] = {}
    for analysable in course_analysables():
        start, end = analysable.start, analysable.end
        if analysable.id not in course_ids or not start or not end or end <= start:
            continue
        for range_ in interval.ranges(analysable, now=end):
            fraction = (range_.time - start) / (end - start)
            moments.setdefault(range_.index + 1, []).append((fraction, range_.time))
    for key in ranged:
        digits = re.search(r"(\d+)\s*$", key)
        number = int(digits.group(1)) if digits else 0
        found = moments.get(number)
        if not found:
            continue
        share = _share_text([fraction for fraction, _moment in found])
        text = _("Range %(n)s: %(share)s of the course") % {"n": number, "share": share}
        if len(found) == 1:
            when = timezone.localtime(dt.datetime.fromtimestamp(found[0][1], tz=dt.UTC))
            text = _("Range %(n)s: %(share)s of the course, to %(date)s") % {
                "n": number,
                "share": share,
                "date": formats.date_format(when, "DATE_FORMAT"),
            }
        labels[key] = {"short": share, "label": text}
    return labels


def target_class_names(*, target: str) -> dict[int, str]:
    """The target's class values with their descriptions ({0: "Not at risk", 1:
    "Student at risk of dropping out"}); empty for an unknown target."""
    from models_app.plugins import registry

    try:
        plugin = registry.target_class(target)()
        descriptions = [str(text) for text in plugin.classes_description()]
    except (registry.UnknownPlugin, NotImplementedError):
        return {}
    return dict(zip(plugin.classes, descriptions, strict=False))


def confusion_table(
    *, metrics: dict[str, Any], names: dict[int, str]
) -> dict[str, Any] | None:
    """An evaluation's confusion matrix with its classes named: rows are the actual
    classes, columns the predicted ones (scikit-learn's order, metrics["classes"]),
    counts summed over the evaluation's rounds."""
    matrix = metrics.get("confusion_matrix")
    if not isinstance(matrix, list) or not matrix:
        return None
    classes = metrics.get("classes")
    if not isinstance(classes, list) or len(classes) != len(matrix):
        classes = list(range(len(matrix)))
    labels = [
        names.get(value, str(value)) if isinstance(value, int) else str(value)
        for value in classes
    ]
    try:
        total = sum(int(cell) for row in matrix for cell in row)
    except (TypeError, ValueError):
        return None
    rounds = metrics.get("rounds")
    rounds = rounds if isinstance(rounds, int) and rounds > 0 else None
    return {
        "labels": labels,
        "rows": list(zip(labels, matrix, strict=False)),
        "total": total,
        "rounds": rounds,
        "per_round": round(total / rounds) if rounds else None,
    }


def calibration_data_named(
    *, folder: Path, names: dict[int, str]
) -> dict[str, Any] | None:
    """The evaluation's graph data with the calibration's curve named after the
    target's class ("Student at risk of dropping out", not "class 1"); None when
    there is nothing to rename (no graphs.json, no class names)."""
    from mlbackend.engine.graphs import CALIBRATION, GRAPH_DATA, MAX_DATA_BYTES

    path = folder / GRAPH_DATA
    if not names or not path.is_file() or path.stat().st_size > MAX_DATA_BYTES:
        return None
    try:
        data = json.loads(path.read_text())
        curves = data[CALIBRATION]["curves"]
    except (ValueError, KeyError, TypeError):
        return None
    renamed = False
    for curve in curves if isinstance(curves, list) else []:
        found = re.fullmatch(r"class (-?\d+)", str(curve.get("name", "")))
        if found and int(found.group(1)) in names:
            curve["name"] = names[int(found.group(1))]
            renamed = True
    return data if renamed else None
