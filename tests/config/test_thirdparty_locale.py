"""locale-thirdparty/ fills what django-celery-beat's own Spanish lacks."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.fixtures.catalogues import catalogues_compile

pytestmark = pytest.mark.django_db


def test_a_periodic_tasks_admin_page_has_its_sections_in_spanish(admin_client):
    catalogues_compile()
    every = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(
        name="QA", task="celery.backend_cleanup", interval=every
    )
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9", "follow": True}

    page = admin_client.get(url, **spanish).content.decode()

    assert "Opciones de ejecución" in page
    assert "Argumentos" in page
    assert "Execution Options" not in page
