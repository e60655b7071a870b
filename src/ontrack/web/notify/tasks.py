"""The worker's tasks (django-tasks; ``manage.py db_worker`` runs them from the database)."""

from __future__ import annotations

from django_tasks import task

from ontrack.web.notify.outbox import deliver
from ontrack.web.records.scoping import scopes_disabled


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one queued message (see ``outbox.deliver``).

    No transaction around it on purpose: the claim (queued → sending) commits before the
    gateway is called, so a worker that dies mid-send leaves the message "being sent" for
    staff to see rather than sending it twice.
    """
    with scopes_disabled():
        return deliver(message_id)
