"""Bare Django for the benchmark's baseline: the benchmark's settings (bench.urls, with its
trivial view) without any middleware."""

from bench.settings import *  # noqa: F403

MIDDLEWARE = []
