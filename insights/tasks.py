"""Celery tasks of `insights`: sending emails after the writing transaction."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval


@shared_task(bind=True)
def email_deliveries_send_task(self, delivery_ids: list[int]) -> None:
    """Send queued emails (`insights.emails.email_deliveries_send`).

    What the mail server or the network failed is retried, only those emails,
    after an exponential delay with full jitter, at most FORESIGHT_EMAIL_RETRIES
    times; then they are marked failed. The retry is explicit rather than
    Celery's `autoretry_for` so that the last attempt knows it is the last (and
    records "failed") and a retry carries only the emails still unsent.
    """
    from insights.emails import email_deliveries_send, retry_policy

    retries, delay, longest = retry_policy()
    attempt = self.request.retries
    again = email_deliveries_send(delivery_ids=delivery_ids, final=attempt >= retries)
    if again:
        countdown = get_exponential_backoff_interval(
            factor=delay, retries=attempt, maximum=longest, full_jitter=True
        )
        raise self.retry(args=[again], countdown=countdown, max_retries=retries)
