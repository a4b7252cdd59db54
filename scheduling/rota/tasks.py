"""Celery tasks of the rota."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="scheduling.tasks.prune_rota_changes")
def prune_rota_changes() -> int:
    """Every 6 hours: delete the rota change-log rows that no cached week can need any more."""
    from scheduling.rota.cache import rota_changes_prune

    deleted = rota_changes_prune()
    logger.info("rota change log pruned", extra={"deleted": deleted})
    return deleted
