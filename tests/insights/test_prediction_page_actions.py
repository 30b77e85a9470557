"""The buttons of a prediction's page post what a browser posts (the form's hidden
`next`, the page itself, and the button's own `formaction`): a target's own action
opens its page, the others come back to the prediction page; only same-site URLs
are followed."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from insights.models import PredictionAction
from models_app.models import AnalyticsModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def prediction(make_prediction, enrolment):
    model = AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, trained=True, name="Dropout"
    )
    return make_prediction(model, enrolment)


def _buttons(page: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Action name -> (URL the browser posts to, fields it posts)."""
    form = re.search(
        r'<form method="post" action="([^"]*)" class="actions">(.*?)</form>', page, re.S
    )
    action, body = html.unescape(form.group(1)), form.group(2)
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]*)" value="([^"]*)">', body
        )
    }
    buttons = {}
    for tag in re.findall(r"<button[^>]*>", body, re.S):
        name = re.search(r'value="([^"]*)"', tag).group(1)
        url = re.search(r'formaction="([^"]*)"', tag)
        buttons[name] = (
            html.unescape(url.group(1)) if url else action,
            {**hidden, "action": name},
        )
    return buttons


@pytest.mark.parametrize(
    "action, page",
    [
        ("studentmessage", "insights:prediction_message"),
        ("viewoutlinereport", "insights:prediction_outline"),
    ],
)
def test_a_button_of_the_prediction_page_opens_its_own_page(
    client, teacher, prediction, action, page
):
    client.force_login(teacher)
    here = reverse("insights:prediction", args=[prediction.pk])
    url, data = _buttons(client.get(here).content.decode())[action]
    assert data["next"] == here  # the hidden field is there, and must not win

    response = client.post(url, data)

    assert response.status_code == 302
    assert response.url == reverse(page, args=[prediction.pk])
    assert PredictionAction.objects.filter(actionname=action).count() == 1


def test_a_feedback_button_of_the_prediction_page_comes_back_to_it(
    client, teacher, prediction
):
    client.force_login(teacher)
    here = reverse("insights:prediction", args=[prediction.pk])
    url, data = _buttons(client.get(here).content.decode())["fixed"]

    response = client.post(url, data)

    assert response.url == here
    assert PredictionAction.objects.filter(actionname="fixed").count() == 1


def test_an_offsite_button_next_falls_back_to_the_page(client, teacher, prediction):
    client.force_login(teacher)
    here = reverse("insights:prediction", args=[prediction.pk])
    url = reverse("insights:prediction_action", args=[prediction.pk])

    response = client.post(
        f"{url}?next=https://evil.example.com/",
        {"action": "studentmessage", "next": here},
    )

    assert response.url == here


def test_offsite_nexts_everywhere_go_back_to_the_insights(client, teacher, prediction):
    client.force_login(teacher)
    url = reverse("insights:prediction_action", args=[prediction.pk])

    response = client.post(
        f"{url}?next=//evil.example.com/",
        {"action": "studentmessage", "next": "https://evil.example.com/"},
    )

    assert "evil" not in response.url
