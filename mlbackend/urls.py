"""URLs of the mlbackend app."""

from django.urls import path  # noqa: F401

app_name = "mlbackend"
urlpatterns: list = []
