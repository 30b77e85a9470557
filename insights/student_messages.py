"""Messages from a teacher to the students of an insight (the "Send message" action).

Moodle opens its messaging window on this action; Foresight sends an email from the
site with the teacher as Reply-To, so the student answers the teacher directly, and
keeps a copy of each message. One message per student, however many of the
student's predictions were ticked. The emails are queued with the copies and sent
by a Celery task once the transaction commits (insights.emails): the teacher's
request never waits for the mail server, and a failure shows in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from insights.actions import allowed_action_names, target_for
from insights.describe import samples_describe
from insights.emails import email_deliveries_queue
from insights.models import Prediction, StudentMessage

#: Moodle's name of the action.
SEND_MESSAGE = "studentmessage"


def message_recipients(*, predictions: list[Prediction]) -> dict[int, Prediction]:
    """user id -> the first of `predictions` about that user.

    Raises ValidationError when a prediction's target does not offer "Send
    message" (its samples are not students) or its student no longer exists.
    """
    by_target: dict[str, list[Prediction]] = {}
    for prediction in predictions:
        by_target.setdefault(prediction.model.target, []).append(prediction)
    by_user: dict[int, Prediction] = {}
    for key, group in by_target.items():
        target = target_for(key)
        samples = samples_describe(
            kind=getattr(target, "sample_kind", None),
            ids=[p.sampleid for p in group],
        )
        for prediction in group:
            sample = samples.get(prediction.sampleid)
            if sample is None:
                raise ValidationError(
                    _("The student of a selected prediction no longer exists.")
                )
            user_id = sample.url_args.get("user_id")
            args = {**sample.url_args, "prediction_id": prediction.pk}
            if user_id is None or SEND_MESSAGE not in allowed_action_names(
                target, sample_url_args=args
            ):
                raise ValidationError(
                    _("Messages can only be sent about predictions on students.")
                )
            by_user.setdefault(user_id, prediction)
    return by_user


@transaction.atomic
def student_messages_send(
    *, sender: Any, predictions: list[Prediction], subject: str, body: str
) -> list[StudentMessage]:
    """Send `subject` and `body` to the student of each prediction, once each.

    The caller has checked that `sender` may see the predictions. Students without
    an email address get the stored copy only (no email delivery).
    """
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise ValidationError(_("Write a subject and a message."))
    recipients = message_recipients(predictions=predictions)
    users = get_user_model().objects.in_bulk(list(recipients))
    sent = StudentMessage.objects.bulk_create(
        StudentMessage(
            sender=sender,
            recipient=users[user_id],
            prediction=prediction,
            subject=subject,
            body=body,
        )
        for user_id, prediction in recipients.items()
        if user_id in users
    )
    email_deliveries_queue(
        student_messages=[message for message in sent if message.recipient.email]
    )
    return sent
