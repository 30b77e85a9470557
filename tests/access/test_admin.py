"""The access admin pages load with data and refuse bad role assignments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.models import (
    Capability,
    Context,
    Role,
    RoleAssignment,
    RoleCapability,
)
from access.selectors import context_of
from access.services import context_system
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def admin_client_with_data(client, superuser, teacher, student, manager, course):
    assert client.login(username=superuser.username, password=DEFAULT_PASSWORD)
    return client


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Context, ""),
        (Context, "?contextlevel__exact=50&q=1"),
        (Role, "?q=teacher&o=2"),
        (Capability, "?contextlevel__exact=50&q=analytics"),
        (RoleAssignment, "?q=teacher&context__contextlevel__exact=50"),
        (RoleCapability, "?permission__exact=1&q=listinsights"),
    ],
)
def test_changelists_load(admin_client_with_data, model, query):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = admin_client_with_data.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0
    response = admin_client_with_data.get(url + query)
    assert response.status_code == 200
    assert "?e=1" not in response.get("Location", "")


def test_role_assignment_list_filters_by_role_and_level(
    admin_client_with_data, teacher, student
):
    url = reverse("admin:access_roleassignment_changelist")
    role = Role.objects.get(shortname="editingteacher")
    response = admin_client_with_data.get(
        url, {"role__id__exact": role.pk, "context__contextlevel": 50}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(
        RoleAssignment.objects.filter(user=teacher)
    )
    response = admin_client_with_data.get(url, {"q": "student"})
    assert {ra.user for ra in response.context["cl"].result_list} == {student}


def test_context_list_names_what_each_context_belongs_to(
    admin_client_with_data, course
):
    response = admin_client_with_data.get(
        reverse("admin:access_context_changelist"), {"contextlevel__exact": 50}
    )
    assert response.status_code == 200
    assert course.fullname in response.content.decode()


def test_change_pages_load(admin_client_with_data, course, teacher):
    pages = [
        ("admin:access_context_change", context_of(course).pk),
        ("admin:access_context_change", context_system().pk),
        ("admin:access_role_change", Role.objects.get(shortname="manager").pk),
        ("admin:access_capability_change", Capability.objects.first().pk),
        ("admin:access_roleassignment_change", RoleAssignment.objects.first().pk),
        ("admin:access_rolecapability_change", RoleCapability.objects.first().pk),
    ]
    for name, pk in pages:
        response = admin_client_with_data.get(reverse(name, args=[pk]))
        assert response.status_code == 200, name
    response = admin_client_with_data.get(
        reverse("admin:access_context_change", args=[context_of(course).pk])
    )
    page = response.content.decode()
    assert teacher.username in page
    assert course.fullname in page


def test_admin_refuses_a_role_assigned_where_it_does_not_apply(
    admin_client_with_data, outsider
):
    response = admin_client_with_data.post(
        reverse("admin:access_roleassignment_add"),
        {
            "role": Role.objects.get(shortname="student").pk,
            "context": context_system().pk,
            "user": outsider.pk,
        },
    )
    assert response.status_code == 200
    assert "cannot be assigned" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=outsider).exists()


def test_role_assignment_is_added_from_the_context_page(
    admin_client_with_data, course, outsider
):
    context = context_of(course)
    url = reverse("admin:access_context_change", args=[context.pk])
    role = Role.objects.get(shortname="teacher")
    existing = list(context.role_assignments.order_by("pk"))
    data = {
        "role_assignments-TOTAL_FORMS": str(len(existing) + 1),
        "role_assignments-INITIAL_FORMS": str(len(existing)),
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
        "role_capabilities-TOTAL_FORMS": "0",
        "role_capabilities-INITIAL_FORMS": "0",
        "role_capabilities-MIN_NUM_FORMS": "0",
        "role_capabilities-MAX_NUM_FORMS": "1000",
    }
    for index, assignment in enumerate(existing):
        data.update(
            {
                f"role_assignments-{index}-id": assignment.pk,
                f"role_assignments-{index}-context": context.pk,
                f"role_assignments-{index}-role": assignment.role_id,
                f"role_assignments-{index}-user": assignment.user_id,
            }
        )
    new = len(existing)
    data.update(
        {
            f"role_assignments-{new}-context": context.pk,
            f"role_assignments-{new}-role": role.pk,
            f"role_assignments-{new}-user": outsider.pk,
        }
    )
    response = admin_client_with_data.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RoleAssignment.objects.filter(
        user=outsider, role=role, context=context
    ).exists()
    assert outsider.__class__.objects.get(pk=outsider.pk).has_perm(
        "analytics:listinsights", course
    )
