"""Django settings for RenOS, read from the environment (see .env.example for every setting)."""

from __future__ import annotations

import secrets
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


def _local_secret_key() -> str:
    """A per-checkout key kept in var/, so a fresh machine runs without a secret in the repository."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _local_secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "renos",
    "integrations",
    "customers",
    "leads",
    "messaging",
    "bookings",
    "invoicing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
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
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
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

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport under var/broker/,
# which needs no server and works across the web, worker and beat processes.
_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    for _sub in ("queue", "processed", "control"):
        (_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_IMPORTS = ("renos.pipeline",)

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

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
