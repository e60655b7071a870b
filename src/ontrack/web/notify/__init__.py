"""Messages to clients (and to staff about clients) by email and text, sent by a worker.

Senders queue a ``Message`` with ``queue_message``; the background worker (django-tasks
with its database backend, ``manage.py db_worker``) delivers it through the email or
text-message gateway, outside the service's quiet hours, honouring the client's opt-out
and consent, retrying a failed delivery a few times and then showing it to staff.
This app knows nothing of what the messages say: the portal writes them.
"""
