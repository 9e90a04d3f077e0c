"""Lantou settings. Everything that differs between a laptop and production comes from the environment
(see the configuration table in README.md). Without configuration the product behaves as in production (DEBUG off,
SECRET_KEY required, HTTPS hardening on); `make run` sets DEBUG=1 and a key of its own, and the test suite its own
settings (tests/settings.py). The other defaults serve a laptop with Python alone."""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .env import KEYLESS_COMMANDS, env_bool, env_int, env_list, env_str, manage_py_command

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of the embedded defaults: SQLite file, broker folders, beat schedule.
RUN_DIR = Path(env_str("RUN_DIR", str(BASE_DIR / ".run")))

DEBUG = env_bool("DEBUG", False)
# With DEBUG, Django's technical 404 and 500 pages instead of the product's (config/errors.py).
DEBUG_TECHNICAL_PAGES = env_bool("DEBUG_TECHNICAL_PAGES", False)
# No default, not even for development: a key written in the code would sign sessions wherever it was forgotten.
# Only the management commands that read models and migrations and sign nothing run without one.
SECRET_KEY = env_str("SECRET_KEY", "" if manage_py_command() in KEYLESS_COMMANDS else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "pgtrigger",
    "pghistory",
    "outbox",
    "health",
    "accounts",
    "integrations",
    "pipeline",
    "visits",
    "quota",
    "volumes",
    "satisfaction",
    "agenda",
    "targets",
    "dashboard",
    "audit",  # after every app it records (audit/tracked.py)
    "demo",
]

MIDDLEWARE = [
    "health.middleware.ProbeMiddleware",
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "accounts.middleware.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.BrowserDefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.errors.RequestSizeMiddleware",
    "config.errors.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.errors.ProductErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            # A kept connection is checked before reuse, so a database restart costs no request an error.
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # An unreachable database host fails a request (and /readyz) in seconds instead of hanging it.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    RUN_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": RUN_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the Celery worker writes; IMMEDIATE avoids
                # "database is locked" on upgrade from a read to a write transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / Celery ------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A Redis outage is a cache miss, not an error (config/cache.py); short time-outs keep it cheap.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Celery's filesystem transport needs no server: producer and worker exchange messages through a folder.
    _broker_dir = RUN_DIR / "broker"
    for sub in ("queue", "processed", "results", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"  # beat runs in UTC; jobs compute each station's local business date explicitly
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
# Work queued from requests goes through the outbox (outbox/services.py); beat's tick shows the scheduler runs.
BEAT_LATE_MINUTES = env_int("BEAT_LATE_MINUTES", 5)  # /readyz answers 503, the dashboard warns, past this

# --- Auth ----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Browser sessions end after this long without a request, and this long after logging in whatever happens.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 8 * 60)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 24)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60  # renewed by accounts.middleware.SessionExpiryMiddleware
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# API tokens (`Authorization: Token <key>`, django-rest-knox): stored as digests, valid for this many hours.
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own token model is replaced by ours: without this its migrations would still create its table, unused,
# with a foreign key to users that stops the test database from being flushed.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24)),
    "AUTH_HEADER_PREFIX": "Token",
}

# Failed logins (page and API token alike), within a cool-off window that lifts by itself:
# - AXES_FAILURE_LIMIT per account from one address. Counting the account together with the address means nobody
#   can lock a colleague (or `admin`) out from somewhere else; the address limit below stops guessing at scale.
# - AXES_ADDRESS_FAILURE_LIMIT from one address over all accounts: a station's office behind one NAT address
#   gets more room than one account, someone trying many usernames does not get unlimited tries.
# Every failure is also kept in AccessFailureLog and every login, page or token, in AccessLog (docs/security.md).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 60) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.login_limits.LoginLimitHandler"
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

# --- Audit trail (docs/audit.md) -------------------------------------------------------------------------------
# Who acted is stored on each event row as JSON (pghistory's denormalised context): one table read, no join.
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
# Rows older than this many days are pruned by the nightly job (audit.tasks.prune_trail); 0 keeps everything.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored files. No URL serves them: each goes out through a view that checks its owner's scope (config/files.py).
# "default" keeps photos and contract documents; "private" import spreadsheets until their import has run.
# FILE_STORAGE=s3 puts both in one S3-compatible bucket (django-storages), as several web hosts need.
MEDIA_URL = "/media/"  # never routed; Django requires it to differ from STATIC_URL
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(BASE_DIR / "private")))
FILE_STORAGE = env_str("FILE_STORAGE", "filesystem")
if FILE_STORAGE == "s3":
    _s3 = {
        "bucket_name": env_str("S3_BUCKET"),
        "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("S3_REGION", "") or None,
        # Empty: boto3 finds credentials itself (instance role, AWS_* variables, its config files).
        "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
        "default_acl": "private",
        "file_overwrite": False,
    }
    _files = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "media"}}
    _private_files = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "private"}}
elif FILE_STORAGE == "filesystem":
    _files = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # MEDIA_ROOT
    _private_files = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_ROOT},
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE={FILE_STORAGE!r} is neither 'filesystem' nor 's3'.")
STORAGES = {
    "default": _files,
    "private": _private_files,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 5) * 1024 * 1024
# A whole request: a lead's five photos at most, and its fields (config.errors.RequestSizeMiddleware: 413).
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_MB", 5 * env_int("UPLOAD_MAX_MB", 5) + 1) * 1024 * 1024
# Django's own caps: the form fields of a body (files apart: answered 413 too, config/errors.py), and the size
# above which an uploaded file waits in a temporary file rather than in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# A lead captured on a phone without signal and sent later keeps its capture moment (and counts on that day) when
# it reaches the server within this many hours; later, it counts on the day it arrives (docs/offline.md).
OFFLINE_CAPTURE_WINDOW = timedelta(hours=env_int("OFFLINE_CAPTURE_WINDOW_HOURS", 48))

# --- E-mail -----------------------------------------------------------------------------------------------
_email_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_smtp_options = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25),
    "username": env_str("EMAIL_HOST_USER", ""),
    "password": env_str("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
}
_email_options = _smtp_options if _email_backend.endswith("smtp.EmailBackend") else {}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lantou@localhost")
SITE_URL = env_str("SITE_URL", "http://localhost:8000")  # for links in e-mails (survey links)

# --- Satisfaction ---------------------------------------------------------------------------------------------
# Hours a complaint may stay unresolved, by severity; past that the hourly job escalates it (docs/satisfaction.md).
SATISFACTION_COMPLAINT_HOURS = {
    "high": env_int("COMPLAINT_HOURS_HIGH", 24),
    "medium": env_int("COMPLAINT_HOURS_MEDIUM", 48),
    "low": env_int("COMPLAINT_HOURS_LOW", 72),
}
SATISFACTION_SURVEY_LINK_DAYS = env_int("SURVEY_LINK_DAYS", 30)  # default validity of a survey link
SATISFACTION_REMINDER_DAYS = env_int("SURVEY_REMINDER_DAYS", 5)  # default delay before a reminder
SATISFACTION_HEALTH_THRESHOLD = env_int("HEALTH_THRESHOLD", 60)  # relationship health below this is listed

# --- Volumes --------------------------------------------------------------------------------------------------
# The tier rule (volumes/tiers.py): per station, over the last TIER_MONTHS months (the current one included), the
# clients making the first TIER_A_PERCENT % of the station's revenue are A, up to TIER_B_PERCENT % B, the rest C.
TIER_MONTHS = env_int("TIER_MONTHS", 3)
TIER_A_PERCENT = env_int("TIER_A_PERCENT", 80)
TIER_B_PERCENT = env_int("TIER_B_PERCENT", 95)
if not (1 <= TIER_MONTHS <= 24 and 0 < TIER_A_PERCENT <= TIER_B_PERCENT <= 100):
    raise ImproperlyConfigured("TIER_MONTHS must be 1-24 and 0 < TIER_A_PERCENT <= TIER_B_PERCENT <= 100.")

# --- Integrations (docs/integrations.md) ----------------------------------------------------------------------
# Requests per integration key: "<n>/<second|minute|hour|day>"; beyond it 429 with Retry-After.
INTEGRATION_KEY_RATE = env_str("INTEGRATION_KEY_RATE", "600/minute")
if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", INTEGRATION_KEY_RATE):
    raise ImproperlyConfigured(f"INTEGRATION_KEY_RATE={INTEGRATION_KEY_RATE!r} is not like 600/minute.")
# Webhooks go to public addresses only, unless this allows private and loopback ones (a receiver on the same
# network; the test suite's own receiver).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# Seconds a receiver has to answer a delivery; longer counts as a failure and is retried.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)

# --- Visits ---------------------------------------------------------------------------------------------------
# Days between return visits (定期回访) by tier: A monthly, B quarterly, C half-yearly; no tier counts as C.
RETURN_VISIT_CADENCE_DAYS = {
    "A": env_int("RETURN_VISIT_DAYS_A", 30),
    "B": env_int("RETURN_VISIT_DAYS_B", 91),
    "C": env_int("RETURN_VISIT_DAYS_C", 182),
}
RETURN_VISIT_NOTICE_DAYS = env_int("RETURN_VISIT_NOTICE_DAYS", 7)  # listed as due this many days ahead

# --- Security (production) ----------------------------------------------------------------------------------
# Reverse proxies in front of the web server (0: none, clients connect directly). Only behind them are the
# X-Forwarded-Proto and X-Forwarded-For headers believed: otherwise any client could claim HTTPS or another address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (Django's own, django.middleware.csp): scripts, styles, images and
# fonts from this site only (the Swagger UI included, served from drf-spectacular-sidecar), no inline script
# unless it carries the request's nonce ({{ csp_nonce }}), no plug-ins, no framing. Inline styles stay allowed:
# templates size bars with style attributes and the Swagger UI page has a <style> block; a style runs no code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- REST API ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header is what turns "no credentials" into 401 rather than 403.
        "accounts.tokens.ApiTokenAuthentication",
        # `Authorization: Api-Key <key>`: integration keys, with their scopes, station and rate (integrations/).
        "integrations.authentication.IntegrationKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "config.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["config.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The client address counted by throttles: X-Forwarded-For only behind trusted proxies (see above).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Scoped throttles (config/throttling.py), counted in the default cache: per address for anonymous callers,
    # per account for signed-in ones.
    "DEFAULT_THROTTLE_RATES": {
        "token": "20/minute",  # POST /api/v1/auth/token/, per address
        "duplicates": "600/hour",  # the capture form's duplicate look-up (page and API), per account
        "survey": "30/minute",  # public survey links /s/<token>/, per address
        "password_reset": "5/hour",  # reset e-mails asked for, per address
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lantou CRM API",
    "DESCRIPTION": "Key-account CRM of an express-delivery network: leads, the ten-step loop, quota, satisfaction.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its interactive docs are for signed-in people only; the docs run from local files.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets shared by several fields get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LoopStageEnum": "pipeline.models.loop.Stage",
        "RelationshipStageEnum": "pipeline.models.clients.RelationshipStage",
        "VisitKindEnum": "visits.models.VisitKind",
        "VisitPlanStatusEnum": "visits.models.PlanStatus",
        "ProposalStatusEnum": "pipeline.models.loop.ProposalStatus",
        "OpportunityKindEnum": "pipeline.models.loop.OpportunityKind",
        "OpportunityStatusEnum": "pipeline.models.loop.OpportunityStatus",
        "RegressionKindEnum": "pipeline.models.loop.RegressionKind",
        "LeadStatusEnum": "pipeline.models.leads.LeadStatus",
        "LeadRejectReasonEnum": "pipeline.models.leads.RejectReason",
        "LeadSourceEnum": "pipeline.models.clients.Source",
        "ContactRoleEnum": "pipeline.models.clients.ContactRole",
        "CompanyTypeEnum": "pipeline.models.clients.CompanyType",
        "DifficultyEnum": "pipeline.models.clients.Difficulty",
        "ImportKindEnum": "pipeline.models.imports.ImportKind",
        "ImportStatusEnum": "pipeline.models.imports.ImportStatus",
        "TierEnum": "pipeline.models.clients.Tier",
        "ComplaintStatusEnum": "satisfaction.models.complaints.ComplaintStatus",
        "ComplaintChannelEnum": "satisfaction.models.complaints.Channel",
        "ComplaintCategoryEnum": "satisfaction.models.complaints.Category",
        "ComplaintSeverityEnum": "satisfaction.models.complaints.Severity",
        "QuestionnaireStatusEnum": "satisfaction.models.surveys.QuestionnaireStatus",
        "CampaignStatusEnum": "satisfaction.models.surveys.CampaignStatus",
        "SurveyResponseChannelEnum": "satisfaction.models.surveys.ResponseChannel",
        "IndicatorReadingSourceEnum": "satisfaction.models.indicators.ReadingSource",
        "TaskKindEnum": "agenda.models.TaskKind",
        "TaskCloseReasonEnum": "agenda.models.CloseReason",
        "TaskStatusEnum": ["open", "done", "snoozed"],
        "TargetMetricEnum": "targets.models.Metric",
        # /healthz and /readyz (health/views.py)
        "LivenessStatusEnum": ["ok"],
        "ReadinessStatusEnum": ["ok", "degraded", "down"],
        "CheckStatusEnum": ["ok", "down"],
        "JobCheckStatusEnum": ["ok", "late", "unknown"],
    },
}

# Every record carries the request's id (config/logs.py); LOG_FORMAT=json writes each as one JSON object.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Only the root's handler: Django's default ones would print its records a second time, unformatted.
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # The request log (config/logs.py) has the status, duration, user and id; Django's own line is redundant.
        "django.server": {"level": "WARNING"},
    },
}
# Workers and beat log through the same handlers (and so in JSON too) instead of Celery's own set-up.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
