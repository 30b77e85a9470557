"""LTI roles map to Foresight roles only through ROLE_MAP; other roles map to none."""

from __future__ import annotations

import pytest

from lti.roles import foresight_roles_for

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("lti_roles", "expected"),
    [
        ([LIS + "membership#Instructor"], {"editingteacher"}),
        ([LIS + "membership#Learner"], {"student"}),
        ([LIS + "membership#TeachingAssistant"], {"teacher"}),
        ([LIS + "membership/Instructor#TeachingAssistant"], {"teacher"}),
        (["Learner"], {"student"}),
        (
            [
                LIS + "institution/person#Administrator",
                LIS + "membership#Instructor",
                LIS + "system/person#Administrator",
            ],
            {"editingteacher"},
        ),
        ([LIS + "institution/person#Administrator"], set()),
        ([LIS + "membership#Mentor"], set()),
        (["urn:lti:sysrole:ims/lis/Administrator"], set()),
        ([], set()),
    ],
)
def test_lti_roles_map_to_foresight_roles(lti_roles, expected):
    assert foresight_roles_for(lti_roles) == expected
