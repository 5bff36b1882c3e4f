"""Settings for the federation system.

Every setting an operator may change comes from the environment (see README.md,
"Configuration"). The defaults give a safe production posture: DEBUG is off and
SECRET_KEY is required unless DEBUG is turned on explicitly.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "federation",
    "unions",
    "members",
    "welfare",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "federation.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "federation.middleware.SessionExpiryMiddleware",
    "federation.two_factor.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "federation.middleware.SecurityHeadersMiddleware",
    # The General Confederation's accounts open the dashboards and nothing else.
    "federation.middleware.NationalFenceMiddleware",
    # Last: turns a locked-out sign-in into the login page with its message (federation/lockout.py).
    "axes.middleware.AxesMiddleware",
    # Innermost: the dashboards' views read the replica, once the session and user are loaded.
    "federation.replica.ReplicaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "federation.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file in the checkout unless DATABASE_URL says otherwise. Connections are kept
# CONN_MAX_AGE seconds and checked before reuse. Behind PgBouncer in transaction mode, set
# DISABLE_SERVER_SIDE_CURSORS=1: a named cursor does not outlive the transaction it was opened in
# there (docs/scaling.md, "Connection pooling").
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
# A read replica (streaming replication) for the dashboards' reads, with the same options; the
# switch is federation.replica.ReplicaMiddleware, the routing config.routers.ReplicaRouter.
# Everything else, every write and every Celery task uses "default". Unset: nothing changes.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS", False),
        test_options={"MIRROR": "default"},
    )
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        # A replica that does not answer is put aside quickly, not after the system's TCP timeout.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 3)
        )
# PostgreSQL's JIT compilation for the application's connections, sent as a connection option:
# off by default (the pages' queries take milliseconds to run, and compiling them took 70-90 ms
# each at national scale: docs/performance.md); "on" turns it on, anything else ("server") sends
# nothing. PgBouncer ignores the option (docker-compose.yml), so the server's own setting holds
# there: the compose file's PostgreSQL runs with jit=off.
DATABASE_JIT = env_str("DATABASE_JIT", "off")
for _database in DATABASES.values():
    if _database["ENGINE"].endswith("postgresql") and DATABASE_JIT in ("on", "off"):
        _database.setdefault("OPTIONS", {})["options"] = f"-c jit={DATABASE_JIT}"
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# The views whose GET requests read the replica (URL names): the dashboards and the reports API.
REPLICA_VIEW_NAMES = env_list(
    "REPLICA_VIEW_NAMES",
    "reports:dashboard,reports:national,reports:federation,reports:unit,reports:export,reports:completeness,"
    "report-achievement,report-completeness,report-national-list",
)
# The replica is read only while it is at most this far behind, and not in this many seconds
# after a write to the dashboards' records; its lag is asked every REPLICA_CHECK_SECONDS; after a
# failed connection it is left alone REPLICA_RETRY_SECONDS (the primary answers meanwhile).
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "federation.User"
# NIST SP 800-63B-4 (federation/passwords.py): 15 characters when the password is the only factor,
# 8 with a one-time code as well, at most 128; no composition rules; no breached passwords.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {"NAME": "federation.passwords.RoleLengthValidator"},
    {"NAME": "federation.passwords.BreachedPasswordValidator"},
]
# django-axes first: it refuses a locked-out username and address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language, time and formats. Vietnamese is the default whatever the browser asks for;
# English is chosen with the language switch (a cookie).
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# Day-first input and dd/mm/yyyy output for both languages: see config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Redis is the Celery broker and the cache when REDIS_URL is set; without it, tasks run
# in-process and the cache is local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lddl"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)}
# Background jobs own their state in PostgreSQL (docs/architecture.md, "Background jobs"): a run
# beats every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS is taken as dead and run
# again, JOB_MAX_ATTEMPTS times at most; a job still queued after JOB_REQUEUE_SECONDS is sent again.
JOB_HEARTBEAT_SECONDS = float(env_str("JOB_HEARTBEAT_SECONDS", "5"))
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
JOB_REQUEUE_SECONDS = env_int("JOB_REQUEUE_SECONDS", 10 * 60)
# A roll export of more rows is prepared by a job (members.RollExport); its file is kept this long.
ROLL_EXPORT_INLINE_ROWS = env_int("ROLL_EXPORT_INLINE_ROWS", 5000)
ROLL_EXPORT_KEEP_DAYS = env_int("ROLL_EXPORT_KEEP_DAYS", 7)
# Queues (docs/scaling.md): imports and exports apart, so a province's roll does not hold up the
# reminders or the dashboards; the first matching pattern wins, the rest go to "default".
# CELERY_ONE_QUEUE sends every task to one queue (one worker for everything; the test suite).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = ("config.routers.route_task",)
CELERY_QUEUE_ROUTES = {
    "members.tasks.run_member_import": "imports",
    "members.tasks.run_roll_export": "imports",
    "reports.tasks.send_return_reminders": "reminders",
    "*.notify*": "reminders",
    "reports.tasks.warm_dashboards": "reports",
    "*rollup*": "reports",
}
CELERY_ONE_QUEUE = env_str("CELERY_ONE_QUEUE")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# E-mail: the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: secure by default when DEBUG is off; each can be relaxed from the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A session ends after 30 minutes without a request, and 12 hours after signing in at most
# (federation.middleware.SessionExpiryMiddleware); the cookie lasts no longer either.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", 12 * 3600)
# Signing in (README "Security"). After LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is refused for LOGIN_COOLOFF_MINUTES (django-axes, federation/lockout.py);
# other usernames at the same address (a district office) and the same username elsewhere go on.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
# How many reverse proxies of our own stand before the app: the client's address is then taken
# from X-Forwarded-For, that many entries from the right. 0: the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "federation.lockout.failure_limit"
AXES_COOLOFF_TIME = "federation.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "federation.services.client_ip"
AXES_LOCKOUT_CALLABLE = "federation.lockout.lockout_response"
# Who signs in with a one-time code after the password (TOTP, federation/two_factor/): these roles
# and superusers. API tokens, issued by the administrator for integrations, are not asked.
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", "federation_admin,federation_staff,leader,national_viewer")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Liên đoàn Lao động")
# Every script and style sheet is a file of our own under /static/: nothing inline, no CDN.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call is answered 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        # A session still waiting for its one-time code is refused (403); tokens are not asked.
        "federation.two_factor.middleware.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "federation.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATE_INPUT_FORMATS": ["iso-8601", "%d/%m/%Y"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Federation system API",
    "DESCRIPTION": "Provincial labor federation: structure, members, welfare, targets, returns.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # 400/401/403/404 on every operation that may answer them (tests/fuzz checks the codes).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "federation.api.document_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Runs of 9 digits or more (citizen IDs, phones) never reach the logs (federation/logging.py).
    "filters": {"personal_data": {"()": "federation.logging.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Member roll import (§4): limits refused before parsing, and how many rows the web request
# itself may check before the work goes to a background job.
MEMBER_IMPORT = {
    "MAX_UPLOAD_BYTES": env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1000 * 1000),
    "MAX_ROWS": env_int("IMPORT_MAX_ROWS", 300_000),
    "MAX_XLSX_EXPANDED_BYTES": env_int("IMPORT_MAX_XLSX_EXPANDED_BYTES", 200 * 1000 * 1000),
    "MAX_XLSX_RATIO": env_int("IMPORT_MAX_XLSX_RATIO", 100),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1000 * 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Demo data: where `seed_demo` sets the accounts' password when none is given.
DEMO_PASSWORD = env_str("DEMO_PASSWORD")
# Recipients lists of a welfare activity are validated and written within the request.
WELFARE_RECIPIENTS_MAX_ROWS = env_int("WELFARE_RECIPIENTS_MAX_ROWS", 20_000)
# Unit files imported in the admin are validated and written within the request.
UNION_IMPORT_MAX_ROWS = env_int("UNION_IMPORT_MAX_ROWS", 5_000)
# Quarterly returns are due this many days after their quarter ends, unless the federation sets
# another deadline for the quarter; reminders go to chairs this many days before it.
RETURN_DEADLINE_DAYS = env_int("RETURN_DEADLINE_DAYS", 10)
RETURN_REMINDER_DAYS = env_int("RETURN_REMINDER_DAYS", 3)
# Dashboard figures stay cached this long at most; any write to the records they come from
# invalidates them at once (reports/cache.py). 0 turns the cache off.
REPORTS_CACHE_SECONDS = env_int("REPORTS_CACHE_SECONDS", 15 * 60)
# Pre-aggregated movement and member figures per union and month (reports/rollup.py): used by
# the dashboards while their federation's records stand unchanged since the last refresh.
REPORTS_ROLLUP = env_bool("REPORTS_ROLLUP", True)
# Months before this one are kept as one total per union (a rebuild follows a change).
ROLLUP_FROM = env_str("ROLLUP_FROM", "2020-01-01")
# Celery beat refreshes stale federations this often; a write asks for one this many seconds later.
ROLLUP_REFRESH_SECONDS = env_int("ROLLUP_REFRESH_SECONDS", 60)
ROLLUP_DEBOUNCE_SECONDS = env_int("ROLLUP_DEBOUNCE_SECONDS", 10)
# The address links in e-mails (return reminders) start with.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Celery beat: the periodic jobs (run `celery -A config beat` beside the worker).
CELERY_BEAT_SCHEDULE = {
    "send-return-reminders": {"task": "reports.tasks.send_return_reminders", "schedule": crontab(hour=7, minute=0)},
    # Keep the leadership's dashboard figures computed (reports/cache.py).
    "warm-dashboards": {"task": "reports.tasks.warm_dashboards", "schedule": 10 * 60},
    # Rebuild the pre-aggregated figures of federations whose records changed (reports/rollup.py).
    "refresh-rollups": {"task": "reports.tasks.refresh_rollups", "schedule": ROLLUP_REFRESH_SECONDS},
    # Re-run import and export jobs whose worker died, re-send those the broker lost, delete old export files.
    "reconcile-import-jobs": {"task": "members.tasks.reconcile_import_jobs", "schedule": 60},
}
