"""Prometheus metrics, counted from the database at scrape time.

Runs are ModelLog rows, predictions are Prediction rows, notifications are
Notification rows and their emails EmailDelivery rows, the Moodle sync's progress
is moodlesync's SyncState rows: every web, worker and beat process writes the same
tables, so a scrape of any one gunicorn worker gives the figures of the whole site. This is why
there are no in-process counters (which would need prometheus_client's
multiprocess mode and would still miss what the Celery workers did).

The totals are monotonic while rows are kept; deleting a model (its logs and
predictions go with it) lowers them, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

#: Upper bounds (seconds) of the run-duration histogram: a run lasts from seconds
#: (a rule-based model on a small site) to the model time limit (20 minutes by
#: default) and beyond for a first training.
DURATION_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200)


def _runs(families: dict[str, Any]) -> None:
    from django.db.models import Count, Sum

    from models_app.models import ModelLog

    rows = ModelLog.objects.values("model_id", "kind", "result").annotate(
        runs=Count("id"), samples=Sum("samples")
    )
    samples: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows.order_by():
        labels = [str(row["model_id"]), row["kind"]]
        if row["result"] == ModelLog.Result.RUNNING:
            families["running"].add_metric(labels, row["runs"])
            continue
        families["runs"].add_metric([*labels, row["result"]], row["runs"])
        samples[(labels[0], labels[1])] += row["samples"] or 0
    for labels, value in sorted(samples.items()):
        families["samples"].add_metric(list(labels), value)


def _durations(family: HistogramMetricFamily) -> None:
    from models_app.models import ModelLog

    finished = (
        ModelLog.objects.filter(timefinished__isnull=False)
        .exclude(result=ModelLog.Result.RUNNING)
        .values_list("model_id", "kind", "timestarted", "timefinished")
        .order_by()
    )
    by_labels: dict[tuple[str, str], list[float]] = defaultdict(list)
    for model_id, kind, started, ended in finished.iterator():
        seconds = max((ended - started).total_seconds(), 0.0)
        by_labels[(str(model_id), kind)].append(seconds)
    for labels, values in sorted(by_labels.items()):
        buckets = [
            (str(bound), sum(1 for v in values if v <= bound))
            for bound in DURATION_BUCKETS
        ]
        buckets.append(("+Inf", len(values)))
        family.add_metric(list(labels), buckets, sum(values))


def _predictions(family: CounterMetricFamily) -> None:
    from django.db.models import Count

    from insights.models import Prediction

    rows = Prediction.objects.values("model_id").annotate(n=Count("id")).order_by()
    for row in sorted(rows, key=lambda r: r["model_id"]):
        family.add_metric([str(row["model_id"])], row["n"])


def _notifications(families: dict[str, Any]) -> None:
    """Emails by the state their delivery recorded: sent; failed (the mail server
    or the network refused it after every retry); pending (queued or being sent).
    A notification whose recipient wanted no email (or had no address) has none."""
    from django.db.models import Count

    from insights.models import EmailDelivery, Notification

    families["notifications"].add_metric([], Notification.objects.order_by().count())
    status = EmailDelivery.Status
    outcome = {
        status.SENT: "sent",
        status.FAILED: "failed",
        status.PENDING: "pending",
        status.SENDING: "pending",
    }
    for key, deliveries in (
        ("emails", EmailDelivery.objects.of_notifications()),
        ("messages", EmailDelivery.objects.of_student_messages()),
    ):
        counts = dict.fromkeys(("sent", "failed", "pending"), 0)
        rows = deliveries.values("status").annotate(n=Count("id")).order_by()
        for row in rows:
            counts[outcome[row["status"]]] += row["n"]
        families[key].add_metric(["sent"], counts["sent"])
        families[f"{key}_failed"].add_metric([], counts["failed"])
        families[f"{key}_pending"].add_metric([], counts["pending"])


def _models(family: GaugeMetricFamily) -> None:
    from models_app.models import AnalyticsModel

    for model in AnalyticsModel.objects.order_by("id"):
        family.add_metric(
            [str(model.pk), str(model), model.target, str(model.enabled).lower()], 1
        )


def _sync(families: dict[str, Any]) -> None:
    """The Moodle sync's parts (moodlesync's SyncState rows), when it has run."""
    from django.apps import apps
    from django.utils import timezone

    if not apps.is_installed("moodlesync"):
        return
    from moodlesync.models import SyncState

    now = timezone.now()
    for state in SyncState.objects.order_by("part"):
        families["ok"].add_metric([state.part], int(state.status != "failed"))
        if state.last_success is not None:
            families["success"].add_metric([state.part], state.last_success.timestamp())
            lag = max((now - state.last_success).total_seconds(), 0.0)
            families["lag"].add_metric([state.part], lag)


class DatabaseCollector(Collector):
    """Collects every Foresight metric with a few aggregate queries."""

    def collect(self) -> Iterator[Metric]:
        model = ["model_id"]
        runs = {
            "runs": CounterMetricFamily(
                "foresight_model_runs",
                "Finished runs of an analytics model (training, prediction, "
                "evaluation) by outcome.",
                labels=[*model, "kind", "outcome"],
            ),
            "running": GaugeMetricFamily(
                "foresight_model_runs_running",
                "Runs of an analytics model started and not finished.",
                labels=[*model, "kind"],
            ),
            "samples": CounterMetricFamily(
                "foresight_samples_analysed",
                "Samples analysed by finished runs of an analytics model.",
                labels=[*model, "kind"],
            ),
        }
        _runs(runs)
        yield from runs.values()

        durations = HistogramMetricFamily(
            "foresight_model_run_duration_seconds",
            "How long finished runs of an analytics model took.",
            labels=[*model, "kind"],
        )
        _durations(durations)
        yield durations

        predictions = CounterMetricFamily(
            "foresight_predictions",
            "Stored predictions (confident, not ignored) of an analytics model.",
            labels=model,
        )
        _predictions(predictions)
        yield predictions

        notifications = {
            "notifications": CounterMetricFamily(
                "foresight_notifications",
                "Insight notifications created (one per recipient and insight).",
            ),
            # Sent only grows (a counter); failed and pending go down again when
            # "Send again" in the admin sends them (gauges).
            "emails": CounterMetricFamily(
                "foresight_notification_emails",
                "Insight notification emails sent.",
                labels=["outcome"],
            ),
            "emails_failed": GaugeMetricFamily(
                "foresight_notification_emails_failed",
                "Insight notification emails failed (refused for good or after every "
                "retry) and not sent since; 'Send again' in the admin queues them.",
            ),
            "emails_pending": GaugeMetricFamily(
                "foresight_notification_emails_pending",
                "Insight notification emails queued or being sent.",
            ),
            "messages": CounterMetricFamily(
                "foresight_student_message_emails",
                "Emails of teachers' messages to students sent.",
                labels=["outcome"],
            ),
            "messages_failed": GaugeMetricFamily(
                "foresight_student_message_emails_failed",
                "Emails of teachers' messages to students failed and not sent since.",
            ),
            "messages_pending": GaugeMetricFamily(
                "foresight_student_message_emails_pending",
                "Emails of teachers' messages to students queued or being sent.",
            ),
        }
        _notifications(notifications)
        yield from notifications.values()

        sync = {
            "lag": GaugeMetricFamily(
                "foresight_sync_lag_seconds",
                "Seconds since a part of the Moodle sync last succeeded.",
                labels=["part"],
            ),
            "success": GaugeMetricFamily(
                "foresight_sync_last_success_timestamp_seconds",
                "When a part of the Moodle sync last succeeded (Unix time).",
                labels=["part"],
            ),
            "ok": GaugeMetricFamily(
                "foresight_sync_ok",
                "1 when the last run of a part of the Moodle sync did not fail.",
                labels=["part"],
            ),
        }
        _sync(sync)
        yield from sync.values()

        models = GaugeMetricFamily(
            "foresight_model_info",
            "Every analytics model: its name, target and whether it is enabled.",
            labels=[*model, "name", "target", "enabled"],
        )
        _models(models)
        yield models


def metrics_text() -> bytes:
    """The metrics in Prometheus' text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
