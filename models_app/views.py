"""The analytics models page (Moodle's admin/tool/analytics): list, create, edit,
enable, evaluate, run, clear, export, import, restore defaults, logs.

Every view needs `analytics:managemodels` at system level. State changes are POST
forms that work without JavaScript; each answers with a message and a redirect.
"""

from __future__ import annotations

import os
import time
import uuid
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.services import context_system
from mlbackend.engine.graphs import (
    CALIBRATION,
    GRAPH_NAMES,
    GraphDataError,
    graph_png,
    graph_png_kept,
)
from models_app.forms import (
    AnalyticsModelForm,
    BacktestForm,
    EvaluateForm,
    ImportModelForm,
    RestoreDefaultsForm,
)
from models_app.log_messages import log_entry_text
from models_app.log_stages import stage_text
from models_app.models import AnalyticsModel, ModelLog
from models_app.plugins import registry
from models_app.plugins.processors.builtin import ESTIMATOR_LABELS
from models_app.selectors import (
    backtest_point_labels,
    calibration_data_named,
    confusion_table,
    evaluation_best,
    evaluation_files_dir,
    evaluation_report,
    model_logs,
    models_overview,
    target_class_names,
)
from models_app.services.backtest import BacktestError
from models_app.services.backtest.charts import report_charts
from models_app.services.backtest.courses import courses_suggested
from models_app.services.backtest.runs import (
    FAILED,
    FINISHED,
    STATUS_LABELS,
    backtest_get,
    backtest_request,
    backtest_runs,
)
from models_app.services.logs import log_nothing_new_predicted
from models_app.services.models import (
    analytics_model_changes_clear,
    analytics_model_create,
    analytics_model_delete,
    analytics_model_disable,
    analytics_model_predictions_clear,
    analytics_model_update,
    default_models_missing,
    default_models_restore,
)
from models_app.services.running.common import RunNotAllowedFromWeb
from models_app.services.running.enabling import ModelNotEnabled, analytics_model_enable
from models_app.services.running.evaluation import EvaluationRefused
from models_app.services.running.requests import (
    BrokerUnreachable,
    model_evaluate_request,
    model_run_request,
)
from models_app.services.transfer import analytics_model_export, analytics_model_import
from settings_app import selectors as settings_selectors

CAPABILITY = "analytics:managemodels"


def managemodels_required(view):
    """Login, `analytics:managemodels` at system level, and analytics enabled."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(CAPABILITY, context_system()):
            raise PermissionDenied(_("You cannot manage analytics models."))
        if not settings_selectors.analytics_enabled():
            return render(
                request,
                "models_app/refused.html",
                {"message": settings_selectors.analytics_disabled_message()},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _model(pk: int) -> AnalyticsModel:
    return get_object_or_404(AnalyticsModel, pk=pk)


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def _label(kind: str, key: str) -> str:
    if not key:
        return ""
    loader = getattr(registry, f"{kind}_class")
    try:
        return str(loader(key).label)
    except registry.UnknownPlugin:
        return key


@managemodels_required
def model_list(request: HttpRequest) -> HttpResponse:
    default = settings_selectors.default_processor()
    rows = []
    for model in models_overview():
        rows.append(
            {
                "model": model,
                "name": model.name or _label("target", model.target),
                "target": _label("target", model.target),
                "interval": _label("interval", model.interval),
                "indicators": [_label("indicator", key) for key in model.indicators],
                "processor": _label("processor", model.processor)
                if model.processor
                else _("Site default (%(name)s)")
                % {"name": _label("processor", default)},
                "estimator": model.get_estimator_display() if model.estimator else "",
                "rule_based": bool(
                    model.target in registry.TARGETS
                    and registry.target_class(model.target).based_on_assumptions
                ),
            }
        )
    return render(
        request,
        "models_app/model_list.html",
        {
            "rows": rows,
            "only_cli": settings_selectors.analytics_settings().only_cli,
            "missing_defaults": len(default_models_missing()),
        },
    )


#: Indicators written for Foresight (the others are Moodle's).
def _is_foresights(key: str) -> bool:
    """Foresight's own indicators (their Moodle-style name is \\foresight\\...),
    listed first on the model form, apart from Moodle's."""
    return registry.indicator_class(key).moodle_id.startswith("\\foresight\\")


def _errors_to_fields(form: AnalyticsModelForm, exc: ValidationError) -> None:
    """A service's errors beside the fields they are about, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for error in _errors(exc):
        form.add_error(None, error)


def _interval_fits(form: AnalyticsModelForm) -> bool:
    """Whether the chosen interval suits the chosen target; else an error beside
    the interval field (the service would refuse it with no field to point at)."""
    target_key = form.cleaned_data.get("target")
    interval_key = form.cleaned_data.get("interval")
    if not target_key or not interval_key:
        return True
    try:
        target = registry.target_class(target_key)
        interval = registry.interval_class(interval_key)
    except registry.UnknownPlugin:
        return True
    if target().accepts_interval(interval()):
        return True
    form.add_error(
        "interval",
        _("The target %(target)s cannot use the interval %(interval)s.")
        % {"target": target.label, "interval": interval.label},
    )
    return False


def _indicator_groups(form: AnalyticsModelForm) -> list[dict[str, Any]]:
    """The indicator checkboxes grouped by kind, for the model form."""
    value = form["indicators"].value() or []
    chosen = {str(v) for v in value}
    groups: dict[str, list[dict[str, Any]]] = {"foresight": [], "core": [], "mod": []}
    for key, label in form.fields["indicators"].choices:
        if _is_foresights(key):
            kind = "foresight"
        elif key.startswith("mod_"):
            kind = "mod"
        else:
            kind = "core"
        groups[kind].append({"key": key, "label": label, "checked": key in chosen})
    titles = {
        "foresight": _("Student progress (Foresight)"),
        "core": _("Course and site activity (Moodle)"),
        "mod": _("Activities: cognitive depth and social breadth (Moodle)"),
    }
    return [
        {"kind": kind, "title": titles[kind], "items": items}
        for kind, items in groups.items()
        if items
    ]


def _form_data(form: AnalyticsModelForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["indicators"] = list(data["indicators"])
    return data


@managemodels_required
def model_create(request: HttpRequest) -> HttpResponse:
    form = AnalyticsModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _interval_fits(form):
        try:
            analytics_model_create(**_form_data(form), user=request.user)
        except ValidationError as exc:
            _errors_to_fields(form, exc)
        else:
            messages.success(request, _("Model created."))
            return redirect("models_app:list")
    return render(
        request,
        "models_app/model_form.html",
        {"form": form, "creating": True, "groups": _indicator_groups(form)},
    )


@managemodels_required
def model_edit(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    initial = {
        "name": model.name,
        "target": model.target,
        "indicators": model.indicators,
        "interval": model.interval,
        "processor": model.processor,
        "estimator": model.estimator,
        "enabled": model.enabled,
    }
    form = AnalyticsModelForm(
        request.POST or None, initial=initial, fixed_target=model.target
    )
    if request.method == "POST" and form.is_valid() and _interval_fits(form):
        data = _form_data(form)
        clears = analytics_model_changes_clear(model=model, data=data)
        if clears and request.POST.get("confirm") != "yes":
            return render(
                request,
                "models_app/model_edit_confirm.html",
                {"model": model, "form": form, "post": request.POST},
            )
        try:
            analytics_model_update(model=model, data=data, user=request.user)
        except ValidationError as exc:
            _errors_to_fields(form, exc)
        else:
            messages.success(
                request,
                _("Model saved; what it had learned was cleared.")
                if clears
                else _("Model saved."),
            )
            return redirect("models_app:list")
    return render(
        request,
        "models_app/model_form.html",
        {
            "form": form,
            "model": model,
            "creating": False,
            "groups": _indicator_groups(form),
        },
    )


def _intervals_for(model: AnalyticsModel, *, evaluation: bool = False) -> list:
    """(key, label) of the intervals the model's target accepts; for evaluation,
    only those that can be evaluated (Moodle's valid_for_evaluation)."""
    try:
        target = registry.target_class(model.target)()
    except registry.UnknownPlugin:
        return []
    choices = []
    for key, label in registry.interval_choices():
        interval = registry.interval_class(key)()
        if evaluation and not getattr(interval, "valid_for_evaluation", True):
            continue
        if target.accepts_interval(interval):
            choices.append((key, label))
    return choices


@managemodels_required
def model_enable(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable (with the analysis interval chosen on the page) or disable a model."""
    model = _model(pk)
    if request.method == "POST" and request.POST.get("enabled") == "0":
        analytics_model_disable(model=model, user=request.user)
        messages.success(request, _("Model disabled."))
        return redirect("models_app:list")
    choices = _intervals_for(model)
    error = ""
    if request.method == "POST":
        interval = request.POST.get("interval") or model.interval or ""
        if not interval:
            error = _("Choose the analysis interval the model predicts with.")
        elif interval not in dict(choices):
            error = _("This model's target cannot use that analysis interval.")
        else:
            try:
                analytics_model_enable(
                    model=model, interval=interval, user=request.user
                )
            except (ModelNotEnabled, ValidationError) as exc:
                error = " ".join(getattr(exc, "messages", [str(exc)]))
            else:
                messages.success(request, _("Model enabled."))
                return redirect("models_app:list")
    return render(
        request,
        "models_app/model_enable.html",
        {
            "model": model,
            "choices": choices,
            "current": request.POST.get("interval") or model.interval,
            "error": error,
        },
    )


@managemodels_required
def model_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    form = EvaluateForm(request.POST or None)
    form.fields["interval"].choices = [
        form.fields["interval"].choices[0],  # every interval chosen for evaluation
        *_intervals_for(model, evaluation=True),
    ]
    if not model.trained:
        form.fields["mode"].choices = [
            c for c in form.fields["mode"].choices if c[0] != "trainedmodel"
        ]
    only_cli = settings_selectors.analytics_settings().only_cli
    command = f"python manage.py evaluate_model --modelid {model.pk}"
    if request.method == "POST" and form.is_valid():
        try:
            model_evaluate_request(
                model=model,
                mode=form.cleaned_data["mode"],
                interval=form.cleaned_data["interval"] or None,
                user=request.user,
            )
        except (RunNotAllowedFromWeb, BrokerUnreachable) as exc:
            messages.error(request, str(exc))
        except EvaluationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The evaluation is queued; this page follows it until it ends."),
            )
            return _follow(model)
    return render(
        request,
        "models_app/model_evaluate.html",
        {"model": model, "form": form, "only_cli": only_cli, "command": command},
    )


@managemodels_required
@require_POST
def model_run(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    if not model.enabled:
        messages.error(request, _("Enable the model before running its analysis."))
        return redirect("models_app:list")
    try:
        model_run_request(model=model, user=request.user)
    except (RunNotAllowedFromWeb, BrokerUnreachable) as exc:
        messages.error(request, str(exc))
        return redirect("models_app:list")
    messages.success(
        request, _("The analysis is queued; this page follows it until it ends.")
    )
    return _follow(model)


#: How long a log page waits for a queued run to start before it stops refreshing.
FOLLOW_SECONDS = 15 * 60


def _follow(model: AnalyticsModel) -> HttpResponse:
    """The model's log, told that a run was queued now (it has no log row until a
    worker starts it), so the page refreshes until the run ends."""
    url = reverse("models_app:log", args=[model.pk])
    return redirect(f"{url}?queued={int(time.time())}")


@managemodels_required
def model_predictions_clear(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    if request.method == "POST":
        count = analytics_model_predictions_clear(model=model)
        messages.success(
            request, _("%(count)d predictions deleted.") % {"count": count}
        )
        return redirect("models_app:list")
    return render(
        request,
        "models_app/confirm.html",
        {
            "model": model,
            "question": _(
                "Delete every prediction of this model? People's actions on them "
                "go too. The model stays trained and will predict again."
            ),
            "button": _("Clear predictions"),
        },
    )


@managemodels_required
def model_delete(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    if request.method == "POST":
        analytics_model_delete(model=model, user=request.user)
        messages.success(request, _("Model deleted."))
        return redirect("models_app:list")
    return render(
        request,
        "models_app/confirm.html",
        {
            "model": model,
            "question": _(
                "Delete this model with its predictions, logs and trained files? "
                "This cannot be undone."
            ),
            "button": _("Delete"),
        },
    )


@managemodels_required
def model_export(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    try:
        export = analytics_model_export(
            model=model, include_weights=request.GET.get("weights") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
        return redirect("models_app:list")
    except Exception as exc:  # the processor could not export: say why
        messages.error(
            request, _("The model could not be exported: %(error)s") % {"error": exc}
        )
        return redirect("models_app:list")
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@managemodels_required
def model_import(request: HttpRequest) -> HttpResponse:
    form = ImportModelForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = upload.read()
            model = analytics_model_import(data=data, user=request.user)
        except ValidationError as exc:
            for error in _errors(exc):
                form.add_error("file", error)
        else:
            messages.success(
                request,
                _("Model imported (disabled): %(name)s.")
                % {"name": model.name or _label("target", model.target)},
            )
            return redirect("models_app:list")
    return render(request, "models_app/model_import.html", {"form": form})


@managemodels_required
def restore_defaults(request: HttpRequest) -> HttpResponse:
    missing = default_models_missing()
    choices = [(m.key, _label("target", m.target)) for m in missing]
    form = RestoreDefaultsForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        _count, message = default_models_restore(
            keys=form.cleaned_data["models"], user=request.user
        )
        messages.success(request, message)
        return redirect("models_app:list")
    return render(
        request,
        "models_app/restore_defaults.html",
        {"form": form, "nothing_missing": not missing},
    )


@managemodels_required
def model_log(request: HttpRequest, pk: int) -> HttpResponse:
    model = _model(pk)
    logs = list(model_logs(model=model)[:100])
    running = any(log.result == ModelLog.Result.RUNNING for log in logs[:5])
    waiting = False
    try:
        queued = int(request.GET.get("queued", ""))
    except ValueError:
        queued = None
    if queued is not None and 0 <= time.time() - queued < FOLLOW_SECONDS:
        # Queued: no log row until a worker starts the run.
        started = [log for log in logs if log.timestarted.timestamp() >= queued - 1]
        waiting = not started
        if started and not running and log_nothing_new_predicted(log=started[0]):
            messages.info(
                request,
                _(
                    "No new predictions: the current period of every running "
                    "course was already predicted."
                ),
            )
    for log in logs[:5]:
        log.stage_text = stage_text(log)
    return render(
        request,
        "models_app/model_log.html",
        {
            "model": model,
            "logs": logs,
            "running": running,
            "waiting": waiting,
            "follow": running or waiting,
        },
    )


@managemodels_required
def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(ModelLog.objects.select_related("model"), pk=pk)
    report = evaluation_report(log=log)
    names = target_class_names(target=log.model.target)
    for item in report:
        item["label"] = _label("interval", item.get("interval", ""))
        item["info_shown"] = [
            log_entry_text(entry) for entry in item.get("messages") or []
        ] or [str(line) for line in item.get("info") or []]
        item["confusion"] = confusion_table(metrics=item["metrics"], names=names)
    return render(
        request,
        "models_app/log_detail.html",
        {
            "log": log,
            "model": log.model,
            "report": report,
            "best": evaluation_best(report=report),
            "running": log.result == ModelLog.Result.RUNNING,
            "stage": stage_text(log),
        },
    )


@managemodels_required
@require_POST
def model_use_interval(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch the model to an evaluated interval, after saying what it clears."""
    model = _model(pk)
    key = request.POST.get("interval", "")
    if key not in registry.INTERVALS:
        messages.error(request, _("Unknown analysis interval."))
        return redirect("models_app:list")
    if key != model.interval and request.POST.get("confirm") != "yes":
        return render(
            request,
            "models_app/use_interval_confirm.html",
            {
                "model": model,
                "interval": key,
                "label": _label("interval", key),
                "predictions": model.predictions.count(),
                "insights": model.insights.count(),
                "back": request.POST.get("back", ""),
            },
        )
    try:
        analytics_model_update(model=model, data={"interval": key}, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(
            request,
            _("The model now uses %(interval)s.")
            % {"interval": _label("interval", key)},
        )
    return redirect("models_app:list")


@managemodels_required
def log_graph(request: HttpRequest, pk: int, index: int, name: str) -> HttpResponse:
    """A graph of an evaluation: its PNG when kept (drawn before, or an older
    evaluation's), else drawn from the evaluation's graphs.json and kept."""
    log = get_object_or_404(ModelLog.objects.select_related("model"), pk=pk)
    results = log.details.get("results", []) if isinstance(log.details, dict) else []
    if name not in GRAPH_NAMES or not 0 <= index < len(results):
        raise Http404
    folder = evaluation_files_dir(directory=str(results[index].get("dir") or ""))
    if folder is None:
        raise Http404
    if name == CALIBRATION and not (folder / CALIBRATION_NAMED).exists():
        png = _calibration_named_kept(folder, target=log.model.target)
        if png is not None:
            return HttpResponse(png, content_type="image/png")
    if (folder / name).is_file():
        return FileResponse((folder / name).open("rb"), content_type="image/png")
    png = graph_png_kept(folder, name)
    if png is None:
        raise Http404
    return HttpResponse(png, content_type="image/png")


#: Beside an evaluation's calibration.png once its curve is named after the class.
CALIBRATION_NAMED = "calibration-named.txt"


def _calibration_named_kept(folder: Path, *, target: str) -> bytes | None:
    """The calibration graph with its curve named after the target's class (in
    English, as the rest of the graph), drawn from graphs.json and kept as
    calibration.png, so it is drawn once; None when there is nothing to name."""
    with translation.override("en"):
        names = target_class_names(target=target)
    data = calibration_data_named(folder=folder, names=names)
    if data is None:
        return None
    try:
        png = graph_png(data, CALIBRATION)
    except GraphDataError:
        return None
    temporary = folder / f".{CALIBRATION}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_bytes(png)
        os.replace(temporary, folder / CALIBRATION)
        (folder / CALIBRATION_NAMED).write_text("calibration.png names the class\n")
    except OSError:
        temporary.unlink(missing_ok=True)  # served, not kept: drawn again next time
    return png


@managemodels_required
def model_backtest(request: HttpRequest, pk: int) -> HttpResponse:
    """How it would have done: queue a backtest, follow it, show its report."""
    model = _model(pk)
    try:
        rule_based = registry.target_class(model.target).based_on_assumptions
    except registry.UnknownPlugin:
        rule_based = True
    if rule_based:
        messages.error(
            request,
            _(
                "This model's target is based on rules, not learnt: there is "
                "nothing to backtest."
            ),
        )
        return redirect("models_app:list")
    train, test = courses_suggested(now=timezone.now())
    form = BacktestForm(request.POST or None, initial={"train": train, "test": test})
    if request.method == "POST" and form.is_valid():
        try:
            run = backtest_request(
                model=model,
                train=form.cleaned_data["train"],
                test=form.cleaned_data["test"],
                at=form.cleaned_data["at"] or None,
                user=request.user,
            )
        except (RunNotAllowedFromWeb, BrokerUnreachable) as exc:
            messages.error(request, str(exc))
        except BacktestError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The backtest is queued; this page follows it until it ends."),
            )
            url = reverse("models_app:backtest", args=[model.pk])
            return redirect(f"{url}?run={run['id']}")
    runs = backtest_runs(model_pk=model.pk)
    chosen = request.GET.get("run")
    run = (
        backtest_get(model_pk=model.pk, run_id=chosen)
        if chosen
        else next(iter(runs), None)
    )
    if chosen and run is None:
        raise Http404
    report = (run or {}).get("report")
    if report:
        report = _backtest_points_located(report)
    estimator = str((report or {}).get("estimator") or "")
    return render(
        request,
        "models_app/model_backtest.html",
        {
            "model": model,
            "form": form,
            "runs": [_backtest_labelled(item) for item in runs],
            "run": _backtest_labelled(run) if run else None,
            "report": report,
            "estimator": ESTIMATOR_LABELS.get(estimator, estimator),
            "charts": report_charts(report) if report else None,
            "follow": run is not None and run["status"] not in (FINISHED, FAILED),
            "only_cli": settings_selectors.analytics_settings().only_cli,
        },
    )


def _backtest_points_located(report: dict[str, Any]) -> dict[str, Any]:
    """The report with each point saying where in the course it lies: `label` for
    the table and headings, `point` shortened to its share for the charts."""
    labels = backtest_point_labels(report=report)
    points = []
    for row in report.get("points") or []:
        key = str(row.get("point", ""))
        found = labels.get(key, {"short": key, "label": key})
        points.append({**row, "point": found["short"], "label": found["label"]})
    return {**report, "points": points}


def _backtest_labelled(run: dict[str, Any]) -> dict[str, Any]:
    status = str(run.get("status") or "")
    return {**run, "status_label": STATUS_LABELS.get(status, status)}
