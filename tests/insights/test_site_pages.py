"""Site-wide page behaviour (issue 14.4): the language menu both ways, error pages
with the site's layout in the visitor's language."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish(db):
    from django.utils import translation

    from tests.fixtures.catalogues import catalogues_compile

    catalogues_compile()
    yield
    translation.activate("en")


def _switch(client, page: str, language: str):
    html = client.get(page).content.decode()
    form = html.split('action="/i18n/setlang/"')[1].split("</form>")[0]
    next_url = re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1)
    return client.post(
        "/i18n/setlang/", {"language": language, "next": next_url}, follow=True
    )


def test_the_language_menu_switches_from_spanish_back_to_english(
    spanish, client, teacher
):
    client.force_login(teacher)
    spanish_page = _switch(client, "/insights/", "es")
    assert spanish_page.redirect_chain[-1][0] == "/es/insights/"
    assert '<html lang="es">' in spanish_page.content.decode()

    english_page = _switch(client, "/es/insights/?page=1", "en")

    assert english_page.redirect_chain[-1][0] == "/insights/?page=1"
    assert '<html lang="en">' in english_page.content.decode()


def test_a_404_has_the_site_layout_a_reason_and_a_way_back_in_spanish(
    spanish, client, teacher
):
    client.force_login(teacher)

    response = client.get("/es/insights/999999/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="es">' in html and 'class="site"' in html
    assert 'id="error-reason"' in html and 'id="error-back"' in html
    assert "Esta página no existe" in html
    assert "Not Found" not in html


def test_a_403_says_why_and_offers_a_way_back(
    client, other_teacher, course_model, make_prediction, enrolment
):
    from insights.services import insights_generate

    prediction = make_prediction(course_model, enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[prediction])
    client.force_login(other_teacher)

    response = client.get(insight.get_absolute_url())

    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site"' in html
    reason = html.split('id="error-reason">')[1].split("</p>")[0]
    assert "You may not see the insights of this context." in reason
    assert 'id="error-back"' in html


@pytest.fixture
def flagged(make_prediction, enrolment, teacher):
    from insights.services import insights_generate
    from models_app.models import AnalyticsModel

    dropout = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=["any_course_access"],
        interval="quarters",
        enabled=True,
        trained=True,
    )
    prediction = make_prediction(dropout, enrolment)
    insights_generate(model=dropout, predictions=[prediction])
    return prediction


@pytest.mark.parametrize(
    "action,page",
    [
        ("viewoutlinereport", "insights:prediction_outline"),
        ("studentmessage", "insights:prediction_message"),
    ],
)
def test_opening_a_page_from_an_action_says_no_feedback_was_saved(
    client, teacher, flagged, action, page
):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    client.force_login(teacher)
    target = reverse(page, args=[flagged.pk])
    url = reverse("insights:prediction_action", args=[flagged.pk])

    response = client.post(f"{url}?next={target}", {"action": action})

    assert response.url == target
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == []  # neither "Your feedback of "viewoutlinereport"" nor "saved"


def test_dates_read_the_same_everywhere_and_never_end_in_two_periods(
    client, teacher, flagged, student, course
):
    import datetime as dt

    from django.urls import reverse
    from django.utils import translation

    from insights.models import Prediction
    from tests.fixtures.analysis_site import log

    when = dt.datetime(2026, 11, 20, 10, 46, tzinfo=dt.UTC)
    log(student.pk, course, int(when.timestamp()))
    Prediction.objects.filter(pk=flagged.pk).update(timecreated=when)
    client.force_login(teacher)

    outline = client.get(reverse("insights:prediction_outline", args=[flagged.pk]))
    detail = client.get(reverse("insights:prediction", args=[flagged.pk]))
    listing = client.get(reverse("insights:notifications"))

    text = outline.content.decode()
    assert "last on 20 Nov 2026, 10:46." in text and ".." not in text
    assert "20 Nov 2026, 10:46" in detail.content.decode()
    assert "a.m." not in listing.content.decode() + text
    with translation.override("es"):
        spanish_url = reverse("insights:prediction", args=[flagged.pk])
    spanish = client.get(spanish_url)
    assert "20 nov 2026, 10:46" in spanish.content.decode()  # no "Nov" in Spanish
