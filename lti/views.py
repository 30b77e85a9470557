"""LTI 1.3 pages: login initiation, launch, the tool's keyset, course page, sign-in.

Views stay thin: `lti.launch` checks, `lti.placement` maps, `lti.landing` decides.
A refused login or launch renders `lti/refused.html` (what failed, what to do) and
logs the details; it never creates a session.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from access.selectors import context_of
from insights.selectors import insight_context_viewable
from lms.models import Course
from lti.deeplink import deep_linking_response
from lti.keys import tool_jwks
from lti.landing import course_insights_visible, landing_for
from lti.launch import (
    DEEP_LINKING_REQUEST,
    MESSAGE_TYPE,
    STATE_COOKIE,
    STATE_LIFETIME,
    launch_validate,
)
from lti.links import (
    platform_course_link,
    signin_token_get,
    signin_token_use,
)
from lti.login import login_initiate, platform_for_login
from lti.middleware import SESSION_FRAME_ORIGINS
from lti.models import LaunchCourse
from lti.placement import launch_place
from lti.refusals import LaunchRefused
from lti.tool import tool_urls

logger = logging.getLogger(__name__)

SESSION_PLATFORM = "lti_platform"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def refused(
    request: HttpRequest, refusal: LaunchRefused, *, status: int = 403
) -> HttpResponse:
    """The refusal page; the details go to the log, never to the page."""
    logger.warning(
        "LTI refused (%s) %s %s: %s",
        refusal.code,
        request.method,
        request.path,
        refusal.detail or refusal.message,
    )
    return render(
        request,
        "lti/refused.html",
        {"message": refusal.message, "code": refusal.code},
        status=status,
    )


@csrf_exempt
@never_cache
def login_initiation(request: HttpRequest) -> HttpResponse:
    """OIDC third-party login initiation: GET or POST (Moodle POSTs in its iframe)."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        platform = platform_for_login(
            issuer=params.get("iss", ""),
            client_id=params.get("client_id", ""),
            deployment_id=params.get("lti_deployment_id", ""),
        )
        state, url = login_initiate(
            platform=platform,
            login_hint=params.get("login_hint", ""),
            message_hint=params.get("lti_message_hint", ""),
            redirect_uri=tool_urls(request)["launch"],
        )
    except LaunchRefused as refusal:
        return refused(request, refusal, status=400)
    response = redirect(url)
    response.set_cookie(
        STATE_COOKIE,
        state.state,
        max_age=int(STATE_LIFETIME.total_seconds()),
        path="/lti/",
        secure=True,
        httponly=True,
        samesite="None",
    )
    return response


@csrf_exempt
@never_cache
def launch(request: HttpRequest) -> HttpResponse:
    """The platform's POST of (id_token, state): check, place, sign in, land."""
    if request.method != "POST":
        return refused(
            request,
            LaunchRefused(
                "method",
                _("This address only accepts launches from a learning platform.")
                + " "
                + _("Open Foresight again from your course."),
            ),
            status=405,
        )
    if request.POST.get("error"):
        return refused(
            request,
            LaunchRefused(
                "platform_error",
                _("The learning platform refused the sign-in: %(error)s")
                % {
                    "error": request.POST.get("error_description")
                    or request.POST["error"]
                },
            ),
        )
    try:
        checked = launch_validate(
            state=request.POST.get("state", ""),
            id_token=request.POST.get("id_token", ""),
            state_cookie=request.COOKIES.get(STATE_COOKIE),
        )
        if checked.claims.get(MESSAGE_TYPE) == DEEP_LINKING_REQUEST:
            return_url, token = deep_linking_response(
                launch=checked, launch_url=tool_urls(request)["launch"]
            )
            return render(
                request,
                "lti/deep_linking_response.html",
                {"return_url": return_url, "jwt": token},
            )
        with transaction.atomic():  # a refused landing keeps no new rows
            placement = launch_place(platform=checked.platform, claims=checked.claims)
            landing = landing_for(user=placement.user, course=placement.course)
            if landing.url is None:
                raise LaunchRefused(
                    "no_access",
                    _(
                        "You are signed in to %(platform)s, but Foresight gives you no "
                        "insights to see in %(course)s or about yourself. If you should "
                        "see them, ask your Foresight administrator for a role there."
                    )
                    % {
                        "platform": checked.platform.name,
                        "course": placement.course.fullname,
                    },
                    f"user {placement.user.pk} course {placement.course.pk}",
                )
    except LaunchRefused as refusal:
        return refused(request, refusal)
    link = platform_course_link(
        platform=checked.platform,
        claims=checked.claims,
        message_hint=checked.login_state.message_hint,
    )
    if link:
        LaunchCourse.objects.filter(
            platform=checked.platform, course=placement.course
        ).update(link_url=link)
    login(request, placement.user, backend=BACKEND)
    request.session[SESSION_PLATFORM] = checked.platform.pk
    request.session[SESSION_FRAME_ORIGINS] = checked.platform.allowed_frame_origins()
    if placement.user_created:
        messages.info(
            request,
            _(
                "Foresight created your account from this launch of %(platform)s: "
                "your name, email and role come from the platform."
            )
            % {"platform": checked.platform.name},
        )
    if placement.course_created:
        messages.info(
            request,
            _(
                "Foresight created the course %(course)s from this launch: it has no "
                "activity data yet, so it has no insights until its data arrives."
            )
            % {"course": placement.course.fullname},
        )
    logger.info(
        "LTI launch: platform %s sub %s -> user %s, course %s, landing %s",
        checked.platform.pk,
        checked.claims.get("sub"),
        placement.user.pk,
        placement.course.pk,
        landing.kind,
    )
    response = redirect(landing.url)
    response.delete_cookie(STATE_COOKIE, path="/lti/", samesite="None")
    return response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keyset, for platforms to check what the tool signs."""
    response = JsonResponse(tool_jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
def course_insights(request: HttpRequest, pk: int) -> HttpResponse:
    """The insights of one course, for teachers launched from it."""
    course = get_object_or_404(Course, pk=pk)
    if not insight_context_viewable(user=request.user, context=context_of(course)):
        return refused(
            request,
            LaunchRefused(
                "no_access",
                _("You may not see the insights of %(course)s.")
                % {"course": course.fullname},
            ),
        )
    insights = course_insights_visible(user=request.user, course=course)
    return render(
        request,
        "lti/course_insights.html",
        {"course": course, "insights": insights.order_by("model__name")},
    )


@csrf_exempt
@never_cache
def signin(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time sign-in link: GET shows a button, POST signs in (once).

    The GET does not use the token, so a mail scanner that fetches links does not
    spend it; the POST is CSRF-exempt because the signed token is the credential.
    """
    found = signin_token_get(value=token)
    if found is None or not found.user.is_active:
        return refused(
            request,
            LaunchRefused(
                "signin",
                _(
                    "This sign-in link has expired or was already used. Open "
                    "Foresight from your course on your learning platform, or ask "
                    "for a new email."
                ),
                "bad, expired or used token",
            ),
        )
    if request.method != "POST":
        return render(request, "lti/signin.html", {"token_user": found.user})
    if not signin_token_use(token=found):
        return refused(
            request,
            LaunchRefused(
                "signin",
                _("This sign-in link was already used."),
                "token raced",
            ),
        )
    login(request, found.user, backend=BACKEND)
    next_url = found.next_url
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=False
    ):
        next_url = reverse("insights:list")
    return redirect(next_url)
