"""The API shows each persona exactly what the pages show them: the permission
matrix of tests/insights/test_permission_matrix.py, asked through the API with
the persona's own token."""

from __future__ import annotations

import pytest

from tests.insights.test_permission_matrix import EXPECTED, PERSONAS


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "insight_of_kind", ["course", "site", "user", "prohibited"], indirect=True
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_shows_what_the_pages_show(
    insight_of_kind, persona, everyone, api_client
):
    kind, insight, prediction = insight_of_kind
    _notified, may_open = EXPECTED[kind][persona]
    client = api_client(everyone[persona])
    code = 200 if may_open else 403

    assert (insight.pk in _ids(client.get("/api/v1/insights/"))) is may_open
    assert client.get(f"/api/v1/insights/{insight.pk}/").status_code == code
    listed = client.get(f"/api/v1/insights/{insight.pk}/predictions/")
    assert listed.status_code == code
    if may_open:
        assert _ids(listed) == {prediction.pk}
    assert (prediction.pk in _ids(client.get("/api/v1/predictions/"))) is may_open
    assert client.get(f"/api/v1/predictions/{prediction.pk}/").status_code == code
    # Read-only: opening a prediction records nothing (the page records "details").
    assert prediction.actions.exists() is False


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_models_need_what_the_models_page_needs(persona, everyone, api_client, client):
    from django.urls import reverse

    user = everyone[persona]
    client.force_login(user)
    page = client.get(reverse("models_app:list")).status_code

    response = api_client(user).get("/api/v1/models/")

    assert response.status_code == page
