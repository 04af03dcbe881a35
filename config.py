"""Configuration classes, read from the environment.

``MARKETPLACE_ENV`` picks the class (``development`` by default, ``production``,
``testing``).  Every limit the application enforces is a setting here, overridable
with the environment variable of the same name; the README lists them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class ConfigError(RuntimeError):
    """Settings the application cannot run with; the message has one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The production configuration is not usable:\n{lines}")


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the ``DB_POOL_*`` settings for PostgreSQL.

    SQLite keeps its own pool (one shared connection for ``:memory:``, a StaticPool
    which refuses ``max_overflow``).  Options set explicitly in
    ``SQLALCHEMY_ENGINE_OPTIONS`` win over the ``DB_POOL_*`` settings.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return options
    pool = {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_recycle": config["DB_POOL_RECYCLE"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
    }
    return pool | options


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # A relative SQLite path lands in the Flask instance folder.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", "sqlite:///marketplace.db")
    )
    # hide_parameters: no bound values (e-mails, hashes) in exception text or logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    DB_LOCK_TIMEOUT_MS = env_int("DB_LOCK_TIMEOUT_MS", 5000)  # PostgreSQL lock_timeout
    # psycopg: prepare a statement after N runs; "none" = never (PgBouncer, transaction pool)
    DB_PREPARE_THRESHOLD = os.environ.get("DB_PREPARE_THRESHOLD", "")  # empty: psycopg's 5
    # Read replica (PostgreSQL streaming standby): anonymous search and public catalog
    # pages read from it; empty = everything on DATABASE_URL.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", "")  # default: <instance>/uploads
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_TRACEBACKS = env_bool("LOG_TRACEBACKS", False)

    # Sessions and cookies
    SESSION_COOKIE_NAME = "mp_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_NAME = "mp_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SESSION_LIFETIME_HOURS = env_int("SESSION_LIFETIME_HOURS", 12)
    REMEMBER_ME_DAYS = env_int("REMEMBER_ME_DAYS", 30)
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_ME_DAYS)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_LIFETIME_HOURS)
    API_TOKEN_MAX_PER_USER = env_int("API_TOKEN_MAX_PER_USER", 20)
    # Creating an API token needs the password entered in this session this recently
    # (at login, or sent again with the request).
    TOKEN_CREATE_REAUTH_SECONDS = env_int("TOKEN_CREATE_REAUTH_SECONDS", 15 * 60)
    # Seconds a password reset link (e-mailed, single use) works.
    PASSWORD_RESET_TTL = env_int("PASSWORD_RESET_TTL", 3600)
    # argon2id cost (argon2-cffi / RFC 9106 low-memory defaults); memory in KiB
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)

    # CSRF: checked by our own before_request so Bearer-token requests are exempt.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Request bodies
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    MAX_JSON_DEPTH = env_int("MAX_JSON_DEPTH", 32)

    # Product images
    IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 5 * 1024 * 1024)
    IMAGE_UPLOAD_MAX_BODY = IMAGE_MAX_BYTES + 64 * 1024  # multipart overhead
    IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
    IMAGE_MAX_EDGE = env_int("IMAGE_MAX_EDGE", 2000)
    THUMBNAIL_EDGE = env_int("THUMBNAIL_EDGE", 400)

    # Uploaded-file storage: empty STORAGE_URL keeps files in UPLOAD_DIR (one machine);
    # s3://bucket/prefix shares them between machines.  The endpoint is for S3-compatible
    # servers (MinIO...; empty = AWS); credentials and region come from boto3's AWS_* vars.
    STORAGE_URL = os.environ.get("STORAGE_URL", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    STORAGE_SERVE = os.environ.get("STORAGE_SERVE", "stream").strip().lower()  # or "redirect"
    STORAGE_PRESIGN_SECONDS = env_int("STORAGE_PRESIGN_SECONDS", 300)  # redirect links' life

    # Bulk catalog import
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
    IMPORT_UPLOAD_MAX_BODY = IMPORT_MAX_BYTES + 64 * 1024
    IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
    # What reading a file may cost, whatever its size in bytes (catalog/importer/reading.py):
    # columns of a row or of an XLSX sheet's used range (the import has 22), cells read
    # (formatted empty ones too), and the empty rows in a row that end the table.
    IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 40)
    IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 500_000)
    IMPORT_EMPTY_ROWS_STOP = env_int("IMPORT_EMPTY_ROWS_STOP", 1000)
    # An import from the API or the import page gives up after this long (nothing written),
    # well before the web server's own worker timeout (gunicorn: 30 s) would kill it.
    IMPORT_TIME_LIMIT_SECONDS = env_float("IMPORT_TIME_LIMIT_SECONDS", 20.0)
    # A file with more product rows than this is not imported inside the request: it is
    # stored and imported by a job (catalog/import_jobs.py); the API answers 202.
    IMPORT_SYNC_MAX_ROWS = env_int("IMPORT_SYNC_MAX_ROWS", 1000)
    # An import job gives up after this long (nothing written); Celery's soft and hard
    # limits sit 30 s and 60 s above it, in case the importer itself hangs.
    IMPORT_JOB_TIME_LIMIT_SECONDS = env_int("IMPORT_JOB_TIME_LIMIT_SECONDS", 300)
    # A job still queued or running this long after its limit has passed is marked
    # expired by the beat task catalog.expire_imports (its worker died, or none ran it).
    IMPORT_JOB_EXPIRE_MARGIN_SECONDS = env_int("IMPORT_JOB_EXPIRE_MARGIN_SECONDS", 300)

    # Rate limits (Flask-Limiter notation)
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "marketplace")  # shared Redis
    RATELIMIT_SWALLOW_ERRORS = True  # Flask-Limiter decorators, should any come back
    # Limits fail open: when their storage (Redis) fails, requests go through with one
    # warning logged, and the storage is left alone this long before the next try.
    RATELIMIT_RETRY_SECONDS = env_float("RATELIMIT_RETRY_SECONDS", 10.0)
    RATELIMIT_REDIS_TIMEOUT_SECONDS = env_float("RATELIMIT_REDIS_TIMEOUT_SECONDS", 0.5)
    # Login: hard limits per (account, client IP) and per client IP; failures against one
    # account from every address together only slow sign-ins from unfamiliar addresses,
    # so nobody can lock the owner out by guessing from elsewhere.
    LOGIN_LIMIT_PER_ACCOUNT_IP = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_IP", "10 per 5 minutes")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "10 per 5 minutes")
    LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT = os.environ.get(
        "LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT", "10 per 5 minutes;100 per hour"
    )
    LOGIN_SLOWDOWN_RATE_PER_ACCOUNT = os.environ.get(
        "LOGIN_SLOWDOWN_RATE_PER_ACCOUNT", "1 per 10 seconds"
    )
    LOGIN_FAMILIAR_ADDRESS_DAYS = env_int("LOGIN_FAMILIAR_ADDRESS_DAYS", 30)
    PASSWORD_RESET_LIMIT_PER_EMAIL = os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "5 per hour")
    PASSWORD_RESET_LIMIT_PER_IP = os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "10 per hour")
    REGISTER_LIMIT_PER_IP = os.environ.get("REGISTER_LIMIT_PER_IP", "20 per hour")

    # Sourcing: inquiries, RFQs, quotations (per-buyer limits in Flask-Limiter notation,
    # several separated by ";")
    INQUIRY_LIMITS_PER_BUYER = os.environ.get("INQUIRY_LIMITS_PER_BUYER", "10 per hour;50 per day")
    RFQ_LIMITS_PER_BUYER = os.environ.get("RFQ_LIMITS_PER_BUYER", "5 per hour;20 per day")
    MESSAGE_LIMITS_PER_USER = os.environ.get("MESSAGE_LIMITS_PER_USER", "60 per hour")
    MESSAGE_MAX_CHARS = env_int("MESSAGE_MAX_CHARS", 5000)
    RFQ_MAX_QUOTATIONS = env_int("RFQ_MAX_QUOTATIONS", 10)
    # Samples: pairs per request, and requests a buyer may send (Flask-Limiter notation)
    SAMPLE_MAX_PAIRS = env_int("SAMPLE_MAX_PAIRS", 20)
    SAMPLE_REQUEST_LIMITS_PER_BUYER = os.environ.get(
        "SAMPLE_REQUEST_LIMITS_PER_BUYER", "10 per hour;30 per day"
    )
    RFQ_MAX_MATCHES = env_int("RFQ_MAX_MATCHES", 50)  # suppliers an RFQ is matched to
    RESPONSE_WINDOW_HOURS = env_int("RESPONSE_WINDOW_HOURS", 24)  # "answered in time"
    RESPONSE_RATE_DAYS = env_int("RESPONSE_RATE_DAYS", 30)  # the response-rate window

    # Orders: a delivered order the buyer neither completes nor disputes completes by
    # itself this many days after delivery (celery beat, hourly); order documents
    # (PDF, XLSX, JPEG, PNG) up to DOCUMENT_MAX_BYTES each.
    ORDER_AUTO_COMPLETE_DAYS = env_int("ORDER_AUTO_COMPLETE_DAYS", 14)
    DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
    DOCUMENT_UPLOAD_MAX_BODY = DOCUMENT_MAX_BYTES + 64 * 1024  # multipart overhead

    # Moderation: automatic flags on submit
    PRICE_OUTLIER_FACTOR = env_float("PRICE_OUTLIER_FACTOR", 5.0)  # x or / the category median
    NEAR_DUPLICATE_SIMILARITY = env_float("NEAR_DUPLICATE_SIMILARITY", 0.9)
    PRICE_OUTLIER_MIN_PRODUCTS = env_int("PRICE_OUTLIER_MIN_PRODUCTS", 5)  # to judge by
    REPORT_LIMITS_PER_USER = os.environ.get("REPORT_LIMITS_PER_USER", "20 per hour;100 per day")

    # Mail (outbox delivery)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_TIMEOUT_SECONDS = env_int("MAIL_TIMEOUT_SECONDS", 10)
    OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100)
    OUTBOX_CLAIM_TIMEOUT_SECONDS = env_int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 600)  # then re-sendable
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Neikeng Slipper Sourcing <noreply@neikeng-slippers.example>"
    )

    # Background jobs (Celery). With a broker, web processes queue and workers run them;
    # without one (the embedded default) each job runs in-process right after the commit.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "marketplace")  # the broker's list name
    CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)  # s, then redelivered
    JOB_MAX_RETRIES = env_int("JOB_MAX_RETRIES", 5)  # then recorded as a failed task
    JOB_RETRY_BACKOFF_SECONDS = env_int("JOB_RETRY_BACKOFF_SECONDS", 30)  # doubles each retry
    JOB_TIME_LIMIT_SECONDS = env_int("JOB_TIME_LIMIT_SECONDS", 600)  # a task is killed after
    OUTBOX_SEND_INTERVAL_SECONDS = env_int("OUTBOX_SEND_INTERVAL_SECONDS", 60)  # beat: retries
    OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 30)  # sent e-mails, then purged
    NOTIFICATION_KEEP_DAYS = env_int("NOTIFICATION_KEEP_DAYS", 180)  # read ones, then purged
    REVOKED_TOKEN_KEEP_DAYS = env_int("REVOKED_TOKEN_KEEP_DAYS", 30)

    # Absolute base of links in e-mails, e.g. https://slippers.neikeng.example
    SITE_URL = os.environ.get("SITE_URL", "")

    # i18n
    LANGUAGES = {"en": "English", "zh": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # OpenAPI (flask-smorest)
    API_TITLE = "Neikeng Slipper Sourcing API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    PROPAGATE_EXCEPTIONS = False

    # Security headers
    HSTS_ENABLED = False
    TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

    DEMO_DATA_SEED = env_int("DEMO_DATA_SEED", 590)
    SEARCH_WORK_MEM = os.environ.get("SEARCH_WORK_MEM", "32MB")  # PostgreSQL, per search
    # Matches counted exactly (total and facets); beyond, the total is an estimate.
    SEARCH_EXACT_TOTAL = env_int("SEARCH_EXACT_TOTAL", 10_000)

    # Database connection pool, per process (PostgreSQL only: ``engine_options`` leaves
    # SQLite on SQLAlchemy's own pool).  Every gunicorn worker and Celery worker process
    # has its own pool: processes x (DB_POOL_SIZE + DB_MAX_OVERFLOW) < max_connections.
    DB_POOL_SIZE = env_int("DB_POOL_SIZE", 5)
    DB_MAX_OVERFLOW = env_int("DB_MAX_OVERFLOW", 10)
    DB_POOL_RECYCLE = env_int("DB_POOL_RECYCLE", 1800)  # seconds a connection is reused; -1 never
    DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 30)  # seconds to wait for a free one, then 503

    # Monitoring: /metrics (Prometheus text format) and optional Sentry error reports
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")  # unset: /metrics answers localhost only
    METRICS_REDIS_TIMEOUT_SECONDS = env_float("METRICS_REDIS_TIMEOUT_SECONDS", 1.0)  # queue depth
    SENTRY_DSN = os.environ.get("SENTRY_DSN", "")  # unset: nothing is sent anywhere
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "")  # unset: ENV_NAME
    SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    RATELIMIT_STORAGE_URI = "memory://"
    DATABASE_REPLICA_URL = ""  # tests/reliability/test_read_replica.py sets its own
    STORAGE_URL = ""  # files in the per-session UPLOAD_DIR; tests/storage swap in S3
    CELERY_BROKER_URL = ""  # jobs run in-process after the commit
    MAIL_SERVER = ""
    METRICS_TOKEN = ""  # the test client is 127.0.0.1; tests set a token where they need one
    SENTRY_DSN = ""  # tests/core/test_sentry.py points a DSN at its own receiver
    # Cheap hashing keeps hundreds of logins fast; tests that check the hashing
    # policy put the production parameters back (tests/accounts/test_passwords.py).
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_ENABLED = env_bool("HSTS_ENABLED", True)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with settings that only work on one machine or lose mail, and
        name every problem at once: fixing them one restart at a time is slow."""
        problems = []
        key = cls.SECRET_KEY or ""
        if key == DEFAULT_SECRET_KEY or len(key) < 32:
            problems.append(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                '(python -c "import secrets; print(secrets.token_hex(32))")'
            )
        database = cls.SQLALCHEMY_DATABASE_URI or ""
        if not database.startswith("postgresql"):
            # Only the scheme of a URL that is not SQLite: it may carry a password.
            shown = database if database.startswith("sqlite") else database.split(":", 1)[0]
            problems.append(
                f"DATABASE_URL must point at PostgreSQL (postgresql://user@host/db), not {shown!r}"
            )
        if not cls.REDIS_URL:
            problems.append(
                "REDIS_URL must be set (redis://host:6379/0): rate limits and the job queue "
                "are shared by every process through it"
            )
        if not cls.SITE_URL.startswith(("https://", "http://")):
            problems.append(
                "SITE_URL must be the site's absolute address (https://slippers.example.org): "
                "links in e-mails are built from it"
            )
        if not cls.MAIL_SERVER:
            problems.append(
                "MAIL_SERVER must be set (with MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, "
                "MAIL_USE_TLS as needed): without it no e-mail leaves the outbox"
            )
        if problems:
            raise ConfigError(problems)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("MARKETPLACE_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"MARKETPLACE_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
