# Parim: one image for the web, worker, beat and migrate processes (see deploy/entrypoint.sh).
# Build: docker build -t parim .   Run: docker run -p 8000:8000 --env-file prod.env parim web

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the locked dependencies and the collected static files ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DEBUG=false SECRET_KEY=build-time-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 STATIC_ROOT=/app/staticfiles \
    /app/.venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /tmp/build.sqlite3

# ---- runtime: no build tools, a non-root user ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 parim \
    && useradd --system --uid 10001 --gid parim --home-dir /app --shell /usr/sbin/nologin parim
WORKDIR /app
# The code belongs to root and is read-only to the app; /tmp is the one place it writes
# (gunicorn heartbeats go to /dev/shm). VOLUME makes Fargate's bind mount keep /tmp's mode.
COPY --from=build /app /app
RUN chmod 1777 /tmp
VOLUME ["/tmp"]
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STATIC_ROOT=/app/staticfiles \
    PARIM_ENV=production \
    PORT=8000
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
