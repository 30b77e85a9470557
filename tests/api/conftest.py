"""The API tests use the insights tests' personas, fake targets and models, so
that the permission tests run over the same users and contexts as the pages'."""

from __future__ import annotations

import pytest

from tests.insights.conftest import (  # noqa: F401 (fixtures)
    category_manager,
    course_manager,
    course_model,
    ended_teacher,
    enrolment,
    fake_plugins,
    future_teacher,
    make_prediction,
    other_course,
    other_enrolment,
    other_teacher,
    prohibited_course,
    prohibited_enrolment,
    prohibited_teacher,
    role_only_teacher,
    site_model,
    superuser_with_role,
    suspended_teacher,
    user_model,
)
from tests.insights.test_permission_matrix import (  # noqa: F401 (fixtures)
    everyone,
    insight_of_kind,
)


@pytest.fixture
def api_client():
    """`api_client(user)`: a DRF test client that sends a fresh token of `user`."""
    from rest_framework.test import APIClient

    from api.models import ApiToken

    def make(user):
        token = ApiToken(user=user, name="tests")
        key = token.key_generate()
        token.save()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make
