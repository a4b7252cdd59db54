"""Where Celery's autodiscovery finds scheduling's tasks; each is defined in its feature folder.

The tasks keep the names they had before the feature folders ("scheduling.tasks.<name>"), so
that a task queued by the previous release still runs after a deploy."""

from scheduling.messaging.tasks import (
    send_notification_emails,
    send_shift_reminders,
    send_unpublished_reminders,
)
from scheduling.rota.tasks import prune_rota_changes

__all__ = [
    "prune_rota_changes",
    "send_notification_emails",
    "send_shift_reminders",
    "send_unpublished_reminders",
]
