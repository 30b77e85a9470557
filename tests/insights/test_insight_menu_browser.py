"""The insight page in headless Chromium, from a laptop down to a small tablet:
opening a row's actions menu drops it down over the rows below (as the models page
does) instead of reflowing the table, and the table fits the window."""

from __future__ import annotations

import pytest

from insights.services import insights_generate
from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.integration

LAYOUT = """t => ({
  box: (({x, y, width, height}) => ({x: x + scrollX, y: y + scrollY, width, height}))(
    t.getBoundingClientRect()),
  columns: [...t.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().width),
  rows: [...t.querySelectorAll('tbody tr')].map(tr => tr.getBoundingClientRect().height),
})"""

REASONS = {
    "method": "linear",
    "items": [
        {"key": "fake_any_access", "weight": 2.0},
        {"key": "fake_read_actions", "weight": -1.0},
    ],
}


@pytest.fixture
def insight(course_model, make_prediction, course):
    predictions = []
    for index in range(4):
        user = UserFactory(
            username=f"pupil{index}",
            first_name=f"Maximiliana{index}",
            last_name="Fernández-Villaverde",
        )
        RoleAssignmentFactory(user=user, role="student", context=course)
        enrolment = EnrolmentFactory(user=user, course=course)
        predictions.append(
            make_prediction(
                course_model, enrolment, score=0.95 - index / 10, reasons=REASONS
            )
        )
    (insight,) = insights_generate(model=course_model, predictions=predictions)
    return insight


@pytest.mark.parametrize("width", [1300, 900, 660])
@pytest.mark.parametrize("row", [0, -1])
def test_an_open_actions_menu_does_not_reflow_the_table(
    insight, new_page, admin_login, live_url, row, width
):
    page = admin_login(new_page(viewport={"width": width, "height": 900}))
    page.goto(live_url(insight.get_absolute_url()))
    table = page.locator("table.predictions")
    assert table.locator("tbody tr").count() == 4
    before = table.evaluate(LAYOUT)

    menu = table.locator("details.menu").nth(row)
    menu.locator("summary").click()

    items = menu.locator(".menu-items")
    assert items.is_visible()
    assert table.evaluate(LAYOUT) == before
    # The menu lies over the table (or below its last row), all of it on the page.
    box = items.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert items.get_by_role("link", name="View details").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
