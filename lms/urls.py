"""URLs of the lms app."""

from django.urls import path  # noqa: F401

app_name = "lms"
urlpatterns: list = []
