"""JSON shapes of the API: read-only, built from the rows the selectors return."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.models import Context, ContextLevel
from insights.actions import DETAILS, prediction_actions_of, target_for
from insights.describe import class_label, indicator_values


def context_json(context: Context) -> dict[str, Any]:
    return {
        "id": context.pk,
        "level": ContextLevel(context.contextlevel).name.lower(),
        "instanceid": context.instanceid,
    }


def course_of(context: Context) -> int | None:
    """The course id of a course or activity context (None elsewhere)."""
    if context.contextlevel == ContextLevel.COURSE:
        return context.instanceid
    parent = context.parent if context.parent_id else None
    if (
        context.contextlevel == ContextLevel.MODULE
        and parent is not None
        and parent.contextlevel == ContextLevel.COURSE
    ):
        return parent.instanceid
    return None


class ContextSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField(help_text="system, category, course, module or user")
    instanceid = serializers.IntegerField()


class LastRunSerializer(serializers.Serializer):
    time = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField(allow_null=True)


class LastEvaluationSerializer(serializers.Serializer):
    time = serializers.DateTimeField()
    kind = serializers.CharField()
    result = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class AnalyticsModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    target = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())
    interval = serializers.CharField()
    processor = serializers.CharField(help_text="Empty: the site's default.")
    enabled = serializers.BooleanField()
    trained = serializers.BooleanField()
    version = serializers.IntegerField()
    status = serializers.SerializerMethodField(
        help_text="disabled, not_trained or ready"
    )
    predictions_count = serializers.IntegerField()
    last_run = serializers.SerializerMethodField()
    last_evaluation = serializers.SerializerMethodField()

    def get_name(self, model: Any) -> str:
        return str(model)

    def get_status(self, model: Any) -> str:
        if not model.enabled:
            return "disabled"
        return "ready" if model.trained else "not_trained"

    @extend_schema_field(LastRunSerializer)
    def get_last_run(self, model: Any) -> dict[str, Any]:
        return {"time": model.last_run, "result": model.last_run_result}

    @extend_schema_field(LastEvaluationSerializer(allow_null=True))
    def get_last_evaluation(self, model: Any) -> dict[str, Any] | None:
        if model.last_evaluation_time is None:
            return None
        return LastEvaluationSerializer(
            {
                "time": model.last_evaluation_time,
                "kind": model.last_evaluation_kind,
                "result": model.last_evaluation_result,
                "score": model.last_evaluation_last_score,
            }
        ).data


class ModelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class InsightSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    model = ModelRefSerializer()
    context = serializers.SerializerMethodField()
    course = serializers.SerializerMethodField()
    timecreated = serializers.DateTimeField()
    timemodified = serializers.DateTimeField(
        help_text="When a prediction run last added predictions to it."
    )
    url = serializers.SerializerMethodField(help_text="The insight's page.")

    @extend_schema_field(ContextSerializer)
    def get_context(self, insight: Any) -> dict[str, Any]:
        return context_json(insight.context)

    def get_course(self, insight: Any) -> int | None:
        return course_of(insight.context)

    def get_url(self, insight: Any) -> str:
        return self.context["request"].build_absolute_uri(insight.get_absolute_url())


class IndicatorValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(help_text="In [-1, 1]")
    display = serializers.CharField()
    outcome = serializers.CharField(help_text="ok or concern")


class ActionTakenSerializer(serializers.Serializer):
    name = serializers.CharField(source="actionname")
    time = serializers.DateTimeField(source="timecreated")


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class PredictionSerializer(serializers.Serializer):
    """A prediction with the reasons behind it (indicator values) and the actions
    the requesting user took on it."""

    id = serializers.IntegerField()
    model = ModelRefSerializer()
    context = serializers.SerializerMethodField()
    course = serializers.SerializerMethodField()
    sampleid = serializers.IntegerField()
    sample_kind = serializers.SerializerMethodField()
    rangeindex = serializers.IntegerField()
    prediction = serializers.FloatField(help_text="The predicted class.")
    class_label = serializers.SerializerMethodField()
    score = serializers.FloatField(source="predictionscore")
    timestart = serializers.IntegerField(allow_null=True, help_text="Unix time")
    timeend = serializers.IntegerField(allow_null=True, help_text="Unix time")
    timecreated = serializers.DateTimeField()
    calculations = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Indicator column to value, as used for this prediction.",
    )
    indicators = serializers.SerializerMethodField()
    actions_taken = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The prediction's page.")

    def _target(self, prediction: Any) -> Any:
        cache = self.context.setdefault("targets", {})
        key = prediction.model.target
        if key not in cache:
            cache[key] = target_for(key)
        return cache[key]

    @extend_schema_field(ContextSerializer)
    def get_context(self, prediction: Any) -> dict[str, Any]:
        return context_json(prediction.context)

    def get_course(self, prediction: Any) -> int | None:
        return course_of(prediction.context)

    def get_sample_kind(self, prediction: Any) -> str | None:
        return getattr(self._target(prediction), "sample_kind", None)

    def get_class_label(self, prediction: Any) -> str:
        return str(class_label(self._target(prediction), prediction.prediction))

    @extend_schema_field(IndicatorValueSerializer(many=True))
    def get_indicators(self, prediction: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": v.key,
                "label": str(v.label),
                "value": v.value,
                "display": str(v.display),
                "outcome": v.outcome,
            }
            for v in indicator_values(prediction.calculations)
        ]

    @extend_schema_field(ActionTakenSerializer(many=True))
    def get_actions_taken(self, prediction: Any) -> list[dict[str, Any]]:
        taken = getattr(prediction, "my_actions", [])
        return ActionTakenSerializer(taken, many=True).data

    def get_url(self, prediction: Any) -> str:
        path = reverse("insights:prediction", args=[prediction.pk])
        return self.context["request"].build_absolute_uri(path)


class PredictionDetailSerializer(PredictionSerializer):
    """One prediction, with the actions its page offers."""

    available_actions = serializers.SerializerMethodField()

    @extend_schema_field(ActionSerializer(many=True))
    def get_available_actions(self, prediction: Any) -> list[dict[str, Any]]:
        sample = self.context.get("sample")
        if sample is None:
            return []
        actions = prediction_actions_of(
            self._target(prediction),
            sample_url_args={**sample.url_args, "prediction_id": prediction.pk},
        )
        return [
            {"name": a.name, "label": str(a.label), "url": a.url}
            for a in actions
            if a.name != DETAILS
        ]
