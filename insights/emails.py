"""Emails of insight notifications and of teachers' messages to students.

Writers queue an `EmailDelivery` row in their own transaction
(`email_deliveries_queue`); when it commits, a Celery task sends the emails
(`email_deliveries_send`), so neither a web request nor a prediction run waits for
the mail server, and a rolled-back run sends nothing. The task retries what the
mail server or the network failed, with backoff, a bounded number of times; what
still fails is marked failed with the reason, for the admin's "Send again".

Each delivery is claimed by a conditional update (pending -> being sent) before it
is sent, so a task that is retried, delivered twice or run by two workers at once
never sends the same email twice. Emails are rendered when sent: the recipient's
address and language then, and fresh links (a one-time sign-in link must not have
expired when "Send again" sends it days later).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from access.models import Context, ContextLevel
from insights.describe import message_text
from insights.elsewhere import links_elsewhere
from insights.models import EmailDelivery, Insight, Notification, StudentMessage
from insights.tasks import email_deliveries_send_task
from lms.models import UserProfile

logger = logging.getLogger(__name__)

#: Deliveries per task: one SMTP connection sends them all.
BATCH_SIZE = 100
#: A delivery "being sent" for this long belonged to a worker that died: it may be
#: taken again (the email may have left just before the worker died).
STALE_CLAIM = dt.timedelta(minutes=15)

Status = EmailDelivery.Status

#: Functions (user=, url=, course_id=) -> url that rewrite the link of a
#: notification email, registered by apps that sign people in elsewhere (lti: a
#: person without a password gets the tool's link on their learning platform).
#: Insights cannot import those apps, which sit above it.
email_link_rewriters: list[Callable[..., str]] = []


class EmailRefused(Exception):
    """This email cannot be sent whatever the retries (no address, a message the
    mail server rejects for good)."""


def retry_policy() -> tuple[int, int, int]:
    """(retries, first delay, longest delay) in seconds, from the settings.

    The delay doubles at each retry (30 s, 1, 2, 4, 8 minutes by default) and a
    random share of it is taken (full jitter), so many workers whose mail server
    came back do not all retry at the same second.
    """
    return (
        int(getattr(settings, "FORESIGHT_EMAIL_RETRIES", 5)),
        max(int(getattr(settings, "FORESIGHT_EMAIL_RETRY_DELAY", 30)), 1),
        3600,
    )


def site_url() -> str:
    """Where the site is reached, for links in emails (no request in a worker).

    FORESIGHT_SITE_URL when set; else the address `make demo` serves the site at
    (recorded in the data folder, so commands run from another shell link there,
    port included); else the first allowed host over http.
    """
    configured = getattr(settings, "FORESIGHT_SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    recorded = demo_site_url()
    if recorded:
        return recorded
    hosts = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
    host = hosts[0].lstrip(".") if hosts else "localhost"
    return f"http://{host}"


def demo_site_url() -> str:
    """The address bin/demo recorded for the running demo ("" when none)."""
    path = Path(settings.FORESIGHT_DATA_DIR) / "site-url"
    try:
        return path.read_text(encoding="utf-8").strip().rstrip("/")
    except OSError:
        return ""


def _insight_url(base: str, insight: Insight, lang: str, *, user: Any) -> str:
    """The insight's address in the recipient's language ("/es/insights/9/"), as
    the registered rewriters make it for `user`."""
    with translation.override(lang):
        url = f"{base}{insight.get_absolute_url()}"
    context = insight.context
    course_id = (
        context.instanceid if context.contextlevel == ContextLevel.COURSE else None
    )
    for rewrite in email_link_rewriters:
        url = rewrite(user=user, url=url, course_id=course_id)
    return url


def _elsewhere(context: Context, *, base: str, lang: str) -> list[tuple[str, str]]:
    """The learning site's links for an insight's context ("Course in Moodle", the
    course's log report; a user's profile), absolute, in the recipient's language,
    from the providers that prediction pages use; none when no provider answers."""
    if context.contextlevel == ContextLevel.COURSE:
        url_args = {"course_id": context.instanceid}
    elif context.contextlevel == ContextLevel.USER:
        url_args = {"user_id": context.instanceid}
    else:
        return []
    with translation.override(lang):
        links = links_elsewhere(url_args=url_args)
        return [(str(label), urljoin(f"{base}/", url)) for label, url in links]


def _language(user: Any) -> str:
    lang = UserProfile.objects.filter(user=user).values_list("lang", flat=True).first()
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification, as the recipient should read it now."""
    user = notification.user
    if not user.email:
        raise EmailRefused(_("The recipient has no email address."))
    lang = _language(user)
    base = site_url()
    context = {
        "text": message_text(notification.body, paragraphs="\n\n"),
        "url": _insight_url(base, notification.insight, lang, user=user),
        "elsewhere": _elsewhere(notification.insight.context, base=base, lang=lang),
    }
    with translation.override(lang):
        text = render_to_string("insights/email/notification.txt", context)
        html = render_to_string("insights/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(notification.subject.split()), body=text, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def student_message_email(message: StudentMessage) -> EmailMessage:
    """A teacher's message to a student, with the teacher as Reply-To."""
    if not message.recipient.email:
        raise EmailRefused(_("The recipient has no email address."))
    sender = message.sender
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient.email],
        reply_to=[sender.email] if sender is not None and sender.email else [],
    )


def _email_of(delivery: EmailDelivery) -> EmailMessage:
    if delivery.notification is not None:
        return notification_email(delivery.notification)
    assert delivery.student_message is not None
    return student_message_email(delivery.student_message)


def _enqueue(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the task queue, in batches. With the queue down they
    stay pending (what was written stays written): one line in the log says so."""
    start = 0
    try:
        for start in range(0, len(delivery_ids), BATCH_SIZE):
            email_deliveries_send_task.delay(delivery_ids[start : start + BATCH_SIZE])
    except (OperationalError, OSError) as error:
        logger.warning(
            "%d email(s) stay pending: the task queue did not take them (%s). "
            'Select them in the admin and use "Send again" once it is back.',
            len(delivery_ids) - start,
            " ".join(str(error).split())[:200],
        )


def email_deliveries_queue(
    *,
    notifications: Iterable[Notification] = (),
    student_messages: Iterable[StudentMessage] = (),
) -> list[EmailDelivery]:
    """A pending delivery for each row, sent by a task once the caller's
    transaction commits (immediately outside a transaction).

    The rows must be saved. If the broker cannot take the task, the deliveries
    stay pending (the admin lists them; "Send again" queues them).
    """
    deliveries = EmailDelivery.objects.bulk_create(
        [EmailDelivery(notification=n) for n in notifications]
        + [EmailDelivery(student_message=m) for m in student_messages]
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def email_deliveries_resend(*, deliveries: QuerySet[EmailDelivery]) -> int:
    """Queue `deliveries` again ("Send again"); returns how many were queued.

    Failed and pending ones are queued, and those a dead worker left "being sent";
    sent ones never are (nobody gets an email twice by a second click).
    """
    stale = timezone.now() - STALE_CLAIM
    again = deliveries.filter(
        Q(status__in=[Status.FAILED, Status.PENDING])
        | Q(status=Status.SENDING, timeclaimed__lt=stale)
    )
    ids = list(again.values_list("pk", flat=True).order_by("pk"))
    with transaction.atomic():
        EmailDelivery.objects.filter(pk__in=ids).update(status=Status.PENDING)
        transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


def _claim(pk: int) -> bool:
    """Take delivery `pk` to send it; False when it is not (or no longer) ours."""
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(
        status=Status.SENDING, timeclaimed__lt=now - STALE_CLAIM
    )
    taken = EmailDelivery.objects.filter(claimable, pk=pk).update(
        status=Status.SENDING, timeclaimed=now, attempts=F("attempts") + 1
    )
    return taken == 1


def _claimed(pk: int) -> EmailDelivery | None:
    """Delivery `pk` with what its email needs, once taken; None when it is sent,
    failed for good, being sent by another worker, or was deleted meanwhile."""
    if not _claim(pk):
        return None
    return (
        EmailDelivery.objects.select_related(
            "notification__user",
            "notification__insight__context",
            "student_message__recipient",
            "student_message__sender",
        )
        .filter(pk=pk)
        .first()
    )


def _short(error: BaseException) -> str:
    """The reason to show in the admin: the mail server's reply or the system's
    error, one line, no traceback."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
        detail = f"{error.smtp_code} {text}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        detail = "; ".join(
            f"{address}: {code} {reply.decode(errors='replace')}"
            for address, (code, reply) in error.recipients.items()
        )
    elif isinstance(error, EmailRefused):
        return " ".join(str(error).split())[:300]
    else:
        detail = str(error)
    name = type(error).__name__
    text = f"{name}: {detail}" if detail else name
    return " ".join(text.split())[:300]


def _finish(pk: int, *, status: str, error: BaseException | None = None) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": status,
        "last_error": "" if error is None else _short(error),
    }
    if status == Status.SENT:
        fields["timesent"] = now
    EmailDelivery.objects.filter(pk=pk, status=Status.SENDING).update(**fields)
    if status == Status.SENT:
        delivery = (
            EmailDelivery.objects.values_list("notification_id", "student_message_id")
            .filter(pk=pk)
            .first()
        )
        if delivery is None:
            return  # deleted (with its notification or message) while it was sent
        model = Notification if delivery[0] is not None else StudentMessage
        model.objects.filter(pk=delivery[0] or delivery[1]).update(timeemailed=now)


def _refused_for_good(error: BaseException) -> bool:
    """A refusal of this one email that retrying cannot change: every recipient
    refused, or the message rejected with a permanent (5xx) reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def email_deliveries_send(*, delivery_ids: list[int], final: bool) -> list[int]:
    """Send the deliveries not sent yet over one connection; returns those to try
    again (none when `final`: they are marked failed instead).

    A failure of the mail server or the network stops the batch: the rest wait
    for the retry too, rather than each waiting for the same dead server.
    """
    again: list[int] = []
    connection = None
    try:
        for position, pk in enumerate(delivery_ids):
            try:
                delivery = _claimed(pk)
            except DatabaseError as error:
                # The database, not the mail server: whatever was not taken yet is
                # tried again later (a taken one waits for STALE_CLAIM, then "Send
                # again" or a retry takes it), never dropped.
                logger.warning("Emails wait for the database: %s", _short(error))
                again = [] if final else delivery_ids[position:]
                break
            if delivery is None:
                continue  # not ours to send (see _claimed)
            try:
                message = _email_of(delivery)
                if connection is None:
                    connection = get_connection()
                    connection.open()
                message.connection = connection
                message.send()
            except (smtplib.SMTPException, OSError) as error:
                if _refused_for_good(error):
                    _finish(pk, status=Status.FAILED, error=error)
                    continue
                logger.warning("Emails could not be sent: %s", _short(error))
                rest = delivery_ids[position + 1 :]
                _finish(
                    pk, status=Status.FAILED if final else Status.PENDING, error=error
                )
                # The rest were not tried: the same server would fail them too.
                EmailDelivery.objects.filter(pk__in=rest, status=Status.PENDING).update(
                    last_error=_short(error),
                    **({"status": Status.FAILED} if final else {}),
                )
                again = [] if final else [pk, *rest]
                break
            except EmailRefused as error:
                _finish(pk, status=Status.FAILED, error=error)
            except Exception as error:  # a bad address or header: this email only
                logger.exception("Email delivery %s could not be built or sent", pk)
                _finish(pk, status=Status.FAILED, error=error)
            else:
                _finish(pk, status=Status.SENT)
    finally:
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return again
