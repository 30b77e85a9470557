"""URLs of the models_app app."""

from django.urls import path  # noqa: F401

app_name = "models_app"
urlpatterns: list = []
