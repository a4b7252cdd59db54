"""The project's settings with one change: the URL map adds a trivial view (bench.urls), the
baseline that the rota page's throughput is compared with behind the same middleware."""

from parim.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
