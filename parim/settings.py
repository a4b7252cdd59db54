"""Settings for every environment, read from the process environment through small typed helpers."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigurationError(ImproperlyConfigured):
    """A setting is missing or malformed; the message names the variable to set."""


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the contents of the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"{name}_FILE names {file_name!r}, which cannot be read: {exc.strerror}."
            ) from exc
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(name: str, url: str) -> dict[str, Any]:
    """Parse a database URL, refusing anything but PostgreSQL and SQLite with a readable message."""
    import dj_database_url

    scheme = url.split(":", 1)[0] if ":" in url else ""
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigurationError(
            f"{name} must look like postgres://USER:PASSWORD@HOST:PORT/NAME or "
            f"sqlite:///PATH (got a value with scheme {scheme!r})."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigurationError(f"{name} is not a valid database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql" and not config.get("NAME"):
        raise ConfigurationError(f"{name} names no database (add /NAME at the end).")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        Path(str(config["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    else:
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            # Parameters sent apart from the SQL, and a statement run 5 times on a connection
            # prepared there: PostgreSQL then skips parsing and planning it (a third of its
            # work on the rota page). Off behind a pooler in transaction mode (PgBouncer, RDS
            # Proxy), which cannot keep a connection's prepared statements.
            config["OPTIONS"]["server_side_binding"] = True
            config["OPTIONS"]["prepare_threshold"] = 5
    return config


# "production" turns insecure values into start-up errors (see the checks after the settings).
PARIM_ENV = env_str("PARIM_ENV", "development") or "development"
if PARIM_ENV not in {"development", "production"}:
    raise ConfigurationError(f"PARIM_ENV must be development or production, not {PARIM_ENV!r}.")
DEBUG = env_bool("DEBUG", False)
# HTTPS is assumed outside DEBUG; `make run` serves plain HTTP on loopback and turns it off.
HTTPS = env_bool("HTTPS", not DEBUG)

_secret_key = env_str("SECRET_KEY")
if _secret_key is None:
    if not DEBUG:
        raise ConfigurationError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or SECRET_KEY_FILE "
            "naming a file that holds it) to a long random value, or set DEBUG=true to develop."
        )
    _secret_key = "insecure-development-key-only-used-with-debug-on"  # noqa: S105
SECRET_KEY = _secret_key
# Old keys still accepted (not used to sign) while a rotated SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Secrets from which the keys of personal data encrypted at rest are made (gdpr/crypto.py): the
# first encrypts, every one decrypts (rotation). Kept apart from the database: the environment
# or PERSONAL_DATA_KEYS_FILE (a secrets manager). Development derives one from SECRET_KEY.
PERSONAL_DATA_KEYS = env_list("PERSONAL_DATA_KEYS", []) or [f"derived:{SECRET_KEY}"]
# Secrets from which the keys of the two-factor (TOTP) secrets are made (accounts/crypto.py), the
# same way: first encrypts, every one decrypts; rotated with `manage.py two_factor_reencrypt`.
# A key of its own, so that neither a database dump nor the personal-data key alone gives the
# means to mint codes. Development derives one from SECRET_KEY.
TWO_FACTOR_KEYS = env_list("TWO_FACTOR_KEYS", []) or [f"derived-2fa:{SECRET_KEY}"]

# Keys of the audit chain's authentication codes (audit/signing.py): comma-separated, each
# "key-id:secret" (or a bare secret, whose id is derived from it); the first signs, every one
# verifies, so keys rotate by putting a new one first and keeping the old ones for as long as
# entries and archives signed with them are kept. Never stored in the database: the environment
# or AUDIT_CHAIN_KEYS_FILE (a secrets manager). Development and tests use a fixed, public key.
AUDIT_CHAIN_KEYS = env_list("AUDIT_CHAIN_KEYS", []) or [
    "dev:parim-development-audit-chain-key-not-a-secret"
]
for _audit_key in AUDIT_CHAIN_KEYS:
    if ":" in _audit_key and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", _audit_key.split(":")[0]):
        raise ConfigurationError(
            "AUDIT_CHAIN_KEYS: a key id (before the colon) is 1 to 32 letters, digits, - or _."
        )
# The head of every company's chain is anchored (a signed checkpoint in the archive) at least
# this often; entries newer than the last anchor are the ones a truncation could take unseen.
AUDIT_ANCHOR_SECONDS = env_int("AUDIT_ANCHOR_SECONDS", 300)
# The auto-builder's default time limit (seconds) offered on its form (planning/).
AUTOBUILD_TIME_LIMIT_SECONDS = env_int("AUTOBUILD_TIME_LIMIT_SECONDS", 30)
if not 10 <= AUDIT_ANCHOR_SECONDS <= 86400:
    raise ConfigurationError(
        f"AUDIT_ANCHOR_SECONDS must be from 10 to 86400 (a day), not {AUDIT_ANCHOR_SECONDS}."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ConfigurationError(
        "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS to the comma-separated host names the app "
        "is served under (for example app.example.com), or set DEBUG=true for development."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "axes",
    "csp",
    "guardian",
    "auditlog",
    "accounts",
    "tenancy",
    "audit",
    "scheduling",
    "planning",
    "attendance",
    "gdpr",
    "billing",
    "parim",
]

MIDDLEWARE = [
    # First: load balancers probe /healthz by IP over plain HTTP, before host and HTTPS checks.
    "parim.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a header: a NUL in one is refused, never stored.
    "parim.middleware.ControlCharacterHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for browsers that accept gzip (static files come compressed from
    # WhiteNoise), with Django's BREACH mitigation: random padding in every gzip header, and CSRF
    # tokens masked afresh per response (docs/design.md, "Compression").
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    # django-otp's, loading the account and its device inside the account's identity scope.
    "accounts.middleware.AccountOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the policy built once (parim/middleware.py).
    "parim.middleware.CSPMiddleware",
    "parim.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the authentication failures of everything above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parim.urls"
WSGI_APPLICATION = "parim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_url() -> str:
    """DATABASE_URL, or (on ECS, where a secret cannot be put inside a URL) one built from
    DATABASE_HOST and the app role's password, with TLS required."""
    url = env_str("DATABASE_URL")
    if url:
        return url
    host = env_str("DATABASE_HOST")
    if host:
        from urllib.parse import quote

        user = env_str("DATABASE_USER", "parim_app") or ""
        password = quote(env_str("DATABASE_PASSWORD", "") or "", safe="")
        name = env_str("DATABASE_NAME", "parim")
        port = env_int("DATABASE_PORT", 5432)
        # verify-full checks the server's certificate against DATABASE_SSLROOTCERT (the RDS CA
        # bundle); require only encrypts.
        root_cert = env_str("DATABASE_SSLROOTCERT")
        mode = env_str("DATABASE_SSLMODE", "verify-full" if root_cert else "require")
        tls = f"sslmode={mode}" + (f"&sslrootcert={quote(root_cert)}" if root_cert else "")
        return f"postgres://{user}:{password}@{host}:{port}/{name}?{tls}"
    return f"sqlite:///{BASE_DIR / 'var' / 'parim.sqlite3'}"


DATABASES = {"default": database_from_url("DATABASE_URL", _database_url())}
# The role the application connects as, granted table privileges after each migration run by the
# schema owner; empty when the app and the migrations use the same role (SQLite, simple setups).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "") or ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses to authenticate while a (username, IP address) pair is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend inside the identity scopes (row-level security on accounts).
    "accounts.backends.AccountBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# django-guardian: object permissions live in tenant-owned tables (tenancy.object_permissions);
# no anonymous user is created.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenant-picker"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: length, not composition rules. A company may require more than 12 characters
# (tenancy.validators reads the strictest policy of the companies a person belongs to).
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tenancy.validators.CompanyMinimumLengthValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour

# Audit trail: django-auditlog writes into audit.AuditEntry (tenant and hash chain).
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
AUDITLOG_STORE_JSON_CHANGES = True
# auditlog's own migrations would create its LogEntry table, unused once the model is swapped.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_REMOTE_ADDR = True  # audit.models reads it through the trusted proxy hops
AUDIT_ARCHIVE_BUCKET = env_str("AUDIT_ARCHIVE_BUCKET", "") or ""

# Billing with Stripe (hosted Checkout and Billing Portal, signed webhooks). Without a secret
# key billing is "not configured" and no tenant is ever restricted (the demo).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "") or ""
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "") or ""
STRIPE_PRICE_ID = env_str("STRIPE_PRICE_ID", "") or ""
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com") or ""
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 7)
# Billing is on (and companies can be restricted) only with all three Stripe settings.
_stripe_settings = [STRIPE_SECRET_KEY, STRIPE_PRICE_ID, STRIPE_WEBHOOK_SECRET]
if any(_stripe_settings) and not all(_stripe_settings):
    raise ConfigurationError(
        "Set all of STRIPE_SECRET_KEY, STRIPE_PRICE_ID and STRIPE_WEBHOOK_SECRET, or none."
    )
ENTITLEMENTS_ENFORCED = all(_stripe_settings)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(BASE_DIR / "var" / "archive")) or "")
AUDIT_ARCHIVE_RETENTION_DAYS = env_int("AUDIT_ARCHIVE_RETENTION_DAYS", 2555)  # seven years
AUDIT_ARCHIVE_GLACIER_AFTER_DAYS = env_int("AUDIT_ARCHIVE_GLACIER_AFTER_DAYS", 90)
AUDIT_ARCHIVE_BATCH_SIZE = env_int("AUDIT_ARCHIVE_BATCH_SIZE", 10_000)
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
AWS_REGION = env_str("AWS_REGION", "eu-west-2")

# Two-factor authentication: TOTP (RFC 6238) with 30-second steps and one step of drift either
# way; a learned drift would widen that window, so it is not learned.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Parim")
OTP_TOTP_SYNC = False
OTP_TOTP_THROTTLE_FACTOR = 1
TWO_FACTOR_PENDING_SECONDS = 300

# Sessions: a new id at sign-in and after the second factor; idle and absolute timeouts.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# The __Host- prefix binds the cookie to this exact host over HTTPS (no Domain, Path=/).
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"

# Login throttling (django-axes): locked per (username, IP address), so nobody can lock a victim
# out from elsewhere; the client address is read through exactly TRUSTED_PROXY_HOPS proxies.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.throttling.username_from_request"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_HOPS or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_HOPS else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")) or "")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if TRUSTED_PROXY_HOPS > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: nothing inline, nothing from elsewhere. htmx and our own scripts are
# files under /static/; htmx's own inline indicator style is turned off in base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Subscribe and Manage billing are forms that redirect to Stripe's hosted pages, and
        # browsers apply form-action to the redirect's target.
        "form-action": [
            "'self'",
            *env_list(
                "CSP_FORM_ACTION_ORIGINS",
                ["https://checkout.stripe.com", "https://billing.stripe.com"],
            ),
        ],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Geolocation for this site only: the clock's optional location check (attendance).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Parim <no-reply@localhost>")
# Where people reach the app, for links in emails sent by background tasks (no request there).
SITE_URL = (env_str("SITE_URL", "http://localhost:8000") or "").rstrip("/")
SECURITY_CONTACT = env_str("SECURITY_CONTACT", "mailto:security@parim.example") or ""
SECURITY_POLICY_URL = (
    env_str("SECURITY_POLICY_URL", "https://github.com/parim/parim/blob/main/SECURITY.md") or ""
)


# Celery: with no broker configured, tasks run eagerly in the calling process (the demo).
def _redis_url() -> str | None:
    """REDIS_URL, or one built from REDIS_HOST and REDIS_AUTH_TOKEN (TLS, as ElastiCache)."""
    url = env_str("REDIS_URL")
    if url or not env_str("REDIS_HOST"):
        return url
    from urllib.parse import quote

    token = quote(env_str("REDIS_AUTH_TOKEN", "") or "", safe="")
    host, port = env_str("REDIS_HOST"), env_int("REDIS_PORT", 6379)
    return f"rediss://:{token}@{host}:{port}/0?ssl_cert_reqs=required"


_REDIS_URL = _redis_url()
# With no Redis, tasks run eagerly; Celery still passes their arguments through a producer (to
# serialise them as a broker would), and the in-memory transport, named with a host, gives it
# one without kombu's "No hostname was supplied" warning at the first task.
CELERY_BROKER_URL = _REDIS_URL or "memory://localhost/"

# The cache (rate limits): Redis when there is one, so the limits hold across processes.
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions live in a cache, not in the database (docs/design.md, "Identity data"): the
# application role then holds no table of live session keys that one careless query could
# read wholesale. Redis when there is one (shared by every process, survives a deploy); else
# files under var/sessions (the demo's gunicorn runs several processes on one machine).
CACHES["sessions"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}
    if _REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("SESSION_FILE_DIR", str(BASE_DIR / "var" / "sessions")),
        # Never cull live sessions to make room; expired ones are removed as they are read.
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    }
)
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
# Computed rota weeks (scheduling/rota/cache.py), reused while nothing they were computed from
# has changed: in the Redis at ROTA_CACHE_URL, shared by every process (its own database or
# instance, with maxmemory and allkeys-lru: never the broker's, whose tasks must not be
# evicted or blocked); else in each process's memory. ROTA_CACHE_SECONDS=0 turns reuse off.
ROTA_CACHE_SECONDS = env_int("ROTA_CACHE_SECONDS", 600)
if not 0 <= ROTA_CACHE_SECONDS <= 86400:
    raise ConfigurationError(
        f"ROTA_CACHE_SECONDS must be from 0 to 86400 (a day), not {ROTA_CACHE_SECONDS}."
    )
_ROTA_CACHE_URL = env_str("ROTA_CACHE_URL")
CACHES["rota"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _ROTA_CACHE_URL}
    if _ROTA_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rota",
        "OPTIONS": {"MAX_ENTRIES": env_int("ROTA_CACHE_ENTRIES", 64)},
    }
)
SIGNUP_LIMIT_PER_ADDRESS = env_int("SIGNUP_LIMIT_PER_ADDRESS", 3)  # an hour
SIGNUP_LIMIT_PER_IP = env_int("SIGNUP_LIMIT_PER_IP", 10)  # an hour
CELERY_TASK_ALWAYS_EAGER = _REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "archive-audit-entries": {
        "task": "audit.tasks.archive_all_tenants",
        "schedule": env_int("AUDIT_ARCHIVE_INTERVAL_SECONDS", 3600),
    },
    "anchor-audit-chains": {
        "task": "audit.tasks.anchor_all_tenants",
        "schedule": AUDIT_ANCHOR_SECONDS,
    },
    "verify-audit-chains": {
        "task": "audit.tasks.verify_all_chains",
        "schedule": 24 * 3600,
    },
    "apply-retention": {
        "task": "gdpr.tasks.apply_retention_all_tenants",
        "schedule": 24 * 3600,
    },
    "purge-expired-signups": {
        "task": "billing.tasks.purge_expired_signups",
        "schedule": 24 * 3600,
    },
    # Automatic messages: each is sent once (a notification key), so a run late or twice is
    # harmless; the unpublished-week reminder waits for its weekday, from 09:00 local time.
    "send-shift-reminders": {
        "task": "scheduling.tasks.send_shift_reminders",
        "schedule": 15 * 60,
    },
    "send-unpublished-reminders": {
        "task": "scheduling.tasks.send_unpublished_reminders",
        "schedule": 3600,
    },
    # Each no-show is reported once (a notification key), so a run late or twice is harmless.
    "notify-no-shows": {
        "task": "attendance.tasks.notify_no_shows",
        "schedule": 5 * 60,
    },
    "prune-rota-changes": {
        "task": "scheduling.tasks.prune_rota_changes",
        "schedule": 6 * 3600,
    },
    # The transactional outbox (tenancy/outbox.py): side effects that the broker did not accept
    # at commit are handed over again until it does; rows done a week ago are deleted.
    "relay-outbox": {
        "task": "tenancy.tasks.relay_outbox",
        "schedule": env_int("OUTBOX_RELAY_SECONDS", 30),
    },
    "prune-outbox": {
        "task": "tenancy.tasks.prune_outbox",
        "schedule": 24 * 3600,
    },
}

# Structured JSON lines on stdout (request id, tenant id, user id; secrets scrubbed);
# LOG_FORMAT=plain (as `make run` sets) for one readable line each.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ConfigurationError(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "audit.logging.JsonFormatter"},
        "plain": {
            "()": "audit.logging.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # A task run eagerly is part of the request that ran it: no line for each success.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}


# Production refuses to start with an insecure value, naming the variable to fix.
if PARIM_ENV == "production":
    _problems = []
    if DEBUG:
        _problems.append("DEBUG must be false")
    if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY or len(set(SECRET_KEY)) < 10:
        _problems.append("SECRET_KEY must be a random value of at least 50 characters")
    if "*" in ALLOWED_HOSTS:
        _problems.append("ALLOWED_HOSTS must name the hosts, not *")
    if any(key.startswith("derived:") or len(key) < 32 for key in PERSONAL_DATA_KEYS):
        _problems.append(
            "PERSONAL_DATA_KEYS must be set to random values of at least 32 characters"
        )
    if any(key.startswith("dev:") or len(key.split(":", 1)[-1]) < 32 for key in AUDIT_CHAIN_KEYS):
        _problems.append("AUDIT_CHAIN_KEYS must be set to random values of at least 32 characters")
    if any(key.startswith("derived") or len(key) < 32 for key in TWO_FACTOR_KEYS):
        _problems.append("TWO_FACTOR_KEYS must be set to random values of at least 32 characters")
    if not HTTPS:
        _problems.append("HTTPS must be true")
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        _problems.append("DATABASE_URL must point at PostgreSQL")
    if not AUDIT_ARCHIVE_BUCKET:
        _problems.append("AUDIT_ARCHIVE_BUCKET must name the audit archive bucket")
    if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend" and EMAIL_HOST in {
        "localhost",
        "127.0.0.1",
        None,
    }:
        _problems.append("EMAIL_HOST must name the SMTP server (for example Amazon SES)")
    if SECURITY_CONTACT.endswith(".example"):
        _problems.append("SECURITY_CONTACT must be a real address (security.txt shows it)")
    if _problems:
        raise ConfigurationError("PARIM_ENV=production: " + "; ".join(_problems) + ".")
