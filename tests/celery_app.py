"""Pointing the project's Celery app at another broker in a test, and back."""

from __future__ import annotations

from typing import Any

import kombu.pools

from parim.celery import app


def forget_broker_connections() -> None:
    """Forget the pooled broker connections, which still point at the previous broker (reset as
    Celery does after a fork), so that the next task opens connections to the current one."""
    celery: Any = app
    kombu.pools.reset()  # the global pools of producers and connections, keyed by connection
    if celery._pool is not None:
        celery._pool.force_close_all()
    celery._pool = None
    if "amqp" in celery.__dict__:
        celery.amqp._producer_pool = None
