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
