"""Django settings for RenOS, read from the environment (see .env.example for every setting)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# An empty line in .env (as in .env.example) means "use the default", like an unset variable.
VAR_DIR = Path(env.str("RENOS_VAR_DIR", default="") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


# DJANGO_ENV (local or production), DEBUG, SECRET_KEY, ALLOWED_HOSTS, ADMIN_URL and the HTTPS hardening.
from renos.settings_deploy import deploy_settings, env_int  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=False)
globals().update(deploy_settings(env, debug=DEBUG, var_dir=VAR_DIR))
PRODUCTION = DJANGO_ENV == "production"  # noqa: F821 - set just above

INSTALLED_APPS = [
    "renos.backoffice.apps.RenosAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "corsheaders",
    "taggit",
    "django_celery_beat",
    "import_export",
    "auditlog",
    "renos",
    "integrations",
    "customers",
    "leads",
    "messaging",
    "bookings",
    "invoicing",
]

MIDDLEWARE = [
    # First: everything after it, and every log line it causes, carries the request id (X-Request-ID).
    "renos.observability.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changed what (django-auditlog), for admin and API requests: see renos/audit.py.
    "renos.audit.AuditActorMiddleware",
    "renos.middleware.StaffLanguageMiddleware",  # the staff member's language, after Auth and Locale
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "renos.urls"
WSGI_APPLICATION = "renos.wsgi.application"

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
            # Danish money and hours in every template: {{ price|dkk }}, {{ hours|timer }}.
            "builtins": ["messaging.templatetags.renos_format"],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL points elsewhere (postgres://... uses psycopg 3).
DATABASES = {"default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Persistent connections rather than psycopg's pool: gunicorn's threads and Celery's processes each keep one
# connection for DATABASE_CONN_MAX_AGE seconds, checked before reuse, which needs no extra package and works behind
# PgBouncer; a pool pays off only with many short-lived threads (ASGI). runserver opens a thread per request, so
# connections are closed after each request locally.
DATABASES["default"]["CONN_MAX_AGE"] = env_int(env, "DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file: wait for locks instead of failing, and let readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, else memory of this process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The API keeps answering while Redis is down (renos/cache.py: throttle counters are skipped, not a 500), and a
    # Redis that hangs costs a request at most a second per call, not the worker's whole timeout.
    CACHES = {
        "default": {
            "BACKEND": "renos.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="da")
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before the first collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Outgoing mail: files in var/outbox/ unless another backend is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "outbox"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rendetalje <info@rendetalje.dk>")

# Celery: broker (Redis, or files under var/broker/ without REDIS_URL), queues and routes, delivery and time limits.
from renos.settings_celery import celery_settings  # noqa: E402

globals().update(celery_settings(env, redis_url=REDIS_URL, var_dir=VAR_DIR, time_zone=TIME_ZONE))
CELERY_IMPORTS = ("renos.pipeline", "renos.tasks", "renos.backoffice.customer360.emails")

# The REST API: JWT for the frontend, the admin session for the browsable API and /api/docs/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["renos.api.permissions.IsActiveStaff"],
    "DEFAULT_PAGINATION_CLASS": "renos.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["renos.api.throttling.AnonThrottle", "renos.api.throttling.StaffThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="100/15m"),
        "staff": env.str("API_THROTTLE_STAFF", default="5000/15m"),
        "login_ip": env.str("API_THROTTLE_LOGIN_IP", default="30/15m"),
        "login_username": env.str("API_THROTTLE_LOGIN_USERNAME", default="10/15m"),
        # Twilio and Gmail webhooks, per source address (renos/webhooks.py).
        "webhook": env.str("WEBHOOK_THROTTLE", default="") or "120/1m",
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "renos.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # The tokens carry the language the staff member chose, so the API answers in it (renos/middleware.py).
    "TOKEN_OBTAIN_SERIALIZER": "renos.api.tokens.LoginSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RenOS API",
    "DESCRIPTION": "Leads, customers, conversations, bookings and invoices of Rendetalje. "
    "Log in with POST /api/auth/token/ and send `Authorization: Bearer <access>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["renos.api.permissions.IsActiveStaff"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` (and `type`) with different choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "customers.models.Customer.Status",
        "LeadStatusEnum": "leads.models.Lead.Status",
        "ActivityStatusEnum": "leads.models.Activity.Status",
        "ConversationStatusEnum": "messaging.models.Conversation.Status",
        "EmailMessageStatusEnum": "messaging.models.EmailMessage.Status",
        "SmsMessageStatusEnum": "messaging.models.SmsMessage.Status",
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "InvoiceStatusEnum": "invoicing.models.Invoice.Status",
    },
}
# Admin import/export: exporting needs the view permission, importing (customers only) the change permission.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_USE_TRANSACTIONS = True

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# The business: prices include 25% moms (Danish consumer prices are quoted with VAT).
RENOS_HOURLY_RATE = Decimal(env.str("RENOS_HOURLY_RATE", default="349.00"))
RENOS_VAT_RATE = Decimal(env.str("RENOS_VAT_RATE", default="0.25"))
RENOS_PAYMENT_TERMS_DAYS = env.int("RENOS_PAYMENT_TERMS_DAYS", default=14)
RENOS_TWO_CLEANERS_OVER_HOURS = Decimal(env.str("RENOS_TWO_CLEANERS_OVER_HOURS", default="4"))
RENOS_COMPANY_NAME = env.str("RENOS_COMPANY_NAME", default="Rendetalje")
RENOS_COMPANY_PHONE = env.str("RENOS_COMPANY_PHONE", default="22 65 02 26")
RENOS_COMPANY_EMAIL = env.str("RENOS_COMPANY_EMAIL", default="info@rendetalje.dk")
RENOS_COMPANY_ADDRESS = env.str("RENOS_COMPANY_ADDRESS", default="")
RENOS_COMPANY_CVR = env.str("RENOS_COMPANY_CVR", default="")

# Logs: JSON lines (or a readable line with DEBUG on) with request and task ids; Sentry when SENTRY_DSN is set.
from renos.settings_logging import logging_settings, sentry_settings  # noqa: E402

globals().update(logging_settings(env, debug=DEBUG))
globals().update(sentry_settings(env, environment=DJANGO_ENV))  # noqa: F821 - set by deploy_settings

# Outside services: Google (Gmail inbox and sending, Pub/Sub push) and which adapters run.
from renos.settings_integrations import integration_settings  # noqa: E402

globals().update(integration_settings(env, VAR_DIR))

# AI second opinion on emails the rules cannot read: Gemini when GEMINI_API_KEY is set, else none.
from renos.settings_gemini import gemini_settings  # noqa: E402

globals().update(gemini_settings(env))

# SMS: Twilio when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set, else lines in var/sms.log.
from renos.settings_sms import sms_settings  # noqa: E402

globals().update(sms_settings(env, VAR_DIR))
if DEBUG and not TWILIO_AUTH_TOKEN and SMS_BACKEND == "integrations.sms.LocalSms":  # noqa: F821 - set just above
    # Trying RenOS locally: a known token lets `make sms-reply` sign a customer's reply for the local webhook.
    # Never in production (DEBUG off), and never with real Twilio credentials.
    TWILIO_AUTH_TOKEN = "local-development-token"

# Booking: working hours, buffer, horizon, closed days, how long an SMS offer stays open, and the calendar.
from renos.settings_bookings import booking_settings  # noqa: E402

globals().update(booking_settings(env))

# Billy (accounting): invoices are created, approved and emailed there when BILLY_API_KEY is set.
from renos.settings_billy import billy_settings  # noqa: E402

globals().update(billy_settings(env))

# Invoicing: numbering, payment instructions, issuing on completion, reminders.
from renos.settings_invoicing import invoicing_settings  # noqa: E402

globals().update(invoicing_settings(env))

# Personal data: days after a customer's last activity before it is erased by the monthly task (0: never).
from renos.settings_privacy import privacy_settings  # noqa: E402

globals().update(privacy_settings(env))
