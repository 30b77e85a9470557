"""The ML backend protocol's fixed paths (Moodle's client appends them to its URL)."""

from __future__ import annotations

from django.urls import path

from mlbackend import views

app_name = "mlbackend"
urlpatterns = [
    path("version", views.version, name="version"),
    path("training", views.training, name="training"),
    path("prediction", views.prediction, name="prediction"),
    path("evaluation", views.evaluation, name="evaluation"),
    path("evaluationlog", views.evaluationlog, name="evaluationlog"),
    path("export", views.export, name="export"),
    path("import", views.import_, name="import"),
    path("deletemodel", views.deletemodel, name="deletemodel"),
]
