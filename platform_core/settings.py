"""Settings, read from the environment with safe local defaults.

Every variable is listed in `.env.example`. Without any of them the platform
runs on embedded defaults: a SQLite file, Celery's filesystem broker (a real
worker still runs, no server needed) and the console e-mail backend.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: a deployment that forgets DEBUG shows no debug pages.
# `make run` turns it on (and .env.example does); tests and tools use settings_test.py.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (`make run` turns DEBUG on locally).")
    SECRET_KEY = "insecure-local-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "platform_core.apps.ConveneAdminConfig",  # django.contrib.admin behind allauth's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # TemplatesSetting finds Django's own form templates (those templates/django/forms/ does not override) here.
    "django.forms",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "platform_core",
    "residents",
    "providers",
    "matching",
    "marketplace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language and the language cookie; the person's saved choice and
    # their council's languages are applied once they are known (below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every read of a resident's or member's personal data by an officer or staff is audited (ADR 0015).
    "platform_core.disclosure.PersonalDataAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "platform_core.cache_headers.PrivateNoStoreMiddleware",
    "platform_core.hostile_input.RejectControlCharactersMiddleware",
    # The person's saved language and their council's languages, once the
    # request is known to be sane (it reads the session: platform_core/i18n.py).
    "platform_core.i18n.PersonLanguageMiddleware",
    "platform_core.middleware.OfficerTwoFactorMiddleware",
]

ROOT_URLCONF = "platform_core.urls"
WSGI_APPLICATION = "platform_core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "platform_core.context_processors.service",
            ],
        },
    },
]
# GOV.UK markup for every Django form field (templates/django/forms/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'convene.sqlite3'}"),
}
# Keep connections open: a new connection per request cut throughput 8x (NOTES.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache (shared: allauth's rate limits need one) -------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's RedisCache that falls back to this process's memory while Redis
    # is down, so an outage never becomes an error page (ADR 0010).
    CACHES = {
        "default": {
            "BACKEND": "platform_core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="convene"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # A file cache is shared by every process on one machine (web and worker).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Users and accounts ----------------------------------------------------
AUTH_USER_MODEL = "platform_core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "start"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "platform_core.forms.SignupExtraForm"
# Its e-mails go to the outbox and leave from a task (platform_core/adapters.py).
ACCOUNT_ADAPTER = "platform_core.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Convene: "
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so the policy is visible in one place.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Convene"
# Sessions live in the database, never only in the cache: a Redis outage must
# not sign anyone out (ADR 0010). They are read through the cache while it is
# shared, and from the database while it is not (platform_core.sessions, ADR 0020).
SESSION_ENGINE = "platform_core.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 8

# --- E-mail ------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Convene <no-reply@convene.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications: e-mail and text (GOV.UK Notify) ---------------------------
# See docs/council-setup.md ("GOV.UK Notify") and docs/decisions/0011-notification-channels.md.
# The key is "name-{service id}-{secret}"; without one, texts are written to files.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = env.str("NOTIFY_SMS_TEMPLATE_ID", default="")
NOTIFY_EMAIL_TEMPLATE_ID = env.str("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=10)
_BACKENDS = "platform_core.notifications.backends."
# An empty value (as copied from .env.example) means the default.
NOTIFICATIONS_SMS_BACKEND = env.str("NOTIFICATIONS_SMS_BACKEND", default="") or (
    _BACKENDS + ("NotifyBackend" if NOTIFY_API_KEY else "FileBackend")
)
NOTIFICATIONS_EMAIL_BACKEND = env.str("NOTIFICATIONS_EMAIL_BACKEND", default="") or (
    _BACKENDS + ("NotifyBackend" if NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID else "DjangoMailBackend")
)
NOTIFICATIONS_FILE_PATH = env.str("NOTIFICATIONS_FILE_PATH", default=str(VAR_DIR / "notifications"))
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=30 * 60)
NOTIFICATIONS_STALE_SECONDS = 10 * 60
NOTIFICATIONS_SWEEP_GRACE_SECONDS = 5 * 60
# Reminders of tomorrow's visits go from this hour (local time) on the day before.
VISIT_REMINDER_HOUR = env.int("VISIT_REMINDER_HOUR", default=10)

# --- Celery ----------------------------------------------------------------
# Default: kombu's filesystem transport, so a real worker runs with no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    for _folder in ("broker", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    # Keep visibility_timeout above the longest task or ETA (NOTES.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport with the fix that keeps a worker alive when Redis
    # goes away while it holds unacknowledged messages (ADR 0010).
    CELERY_BROKER_TRANSPORT = "platform_core.broker:Transport"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker never gives up on the broker: the default (100 retries, about three
# quarters of an hour) makes every worker exit during a long outage (ADR 0010).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A batch is one PostgreSQL transaction that needs no broker to finish: let it
# commit rather than kill it; its message comes back after the visibility
# timeout and the rerun proposes nothing twice (ADR 0005, 0010).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
MATCHING_SWEEP_SECONDS = env.int("MATCHING_SWEEP_SECONDS", default=10)
# Periodic jobs, sent by name (only one beat runs). Each is idempotent, so a
# missed or doubled tick is harmless; the sweep is what makes a lost
# "market changed" message a delay rather than a lost need.
CELERY_BEAT_SCHEDULE = {
    "matching-sweep": {"task": "matching.tasks.match_sweep_task", "schedule": MATCHING_SWEEP_SECONDS},
    "proposals-expire": {"task": "matching.tasks.match_expire_overdue_task", "schedule": 60},
    "needs-expire": {"task": "residents.tasks.need_expire_overdue_task", "schedule": 15 * 60},
    "evidence-expire": {"task": "providers.tasks.evidence_expire_lapsed_task", "schedule": 60 * 60},
    "evidence-reminders": {"task": "marketplace.tasks.evidence_expiry_reminders_task", "schedule": 24 * 60 * 60},
    "moderation-scan": {"task": "marketplace.tasks.moderation_scan_task", "schedule": 5 * 60},
    "market-stats-refresh": {"task": "marketplace.tasks.market_stats_refresh_task", "schedule": 15 * 60},
    "emails-pending": {"task": "platform_core.tasks.email_send_pending_task", "schedule": 60},
    "notifications-sweep": {"task": "platform_core.tasks.delivery_sweep_task", "schedule": 5 * 60},
    "visit-reminders": {"task": "matching.tasks.visit_reminders_send_task", "schedule": 15 * 60},
}

# --- Internationalisation --------------------------------------------------
# English and Welsh (docs/decisions/0016-languages.md). More languages: add one
# here and in platform_core.models.Language, and its catalogue under locale/.
# Which of them a council offers, and what a person gets, is platform_core/i18n.py.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files (govuk-frontend compiled locally, served by whitenoise) ---
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: a request without credentials then gets a 401 with
        # `WWW-Authenticate: Token` (DRF answers 403 when the first class is the session).
        "platform_core.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "platform_core.api.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "platform_core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "platform_core.parsers.BoundedJSONParser",
        "platform_core.parsers.CheckedFormParser",
        "platform_core.parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "platform_core.api_metadata.Metadata",
    # platform_core/throttles.py: counted in the shared cache; 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "platform_core.throttles.AnonThrottle",
        "platform_core.throttles.UserThrottle",
        "platform_core.throttles.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
        "write": env.str("THROTTLE_WRITE", default="60/min"),
        "sign-in": env.str("THROTTLE_SIGN_IN", default="10/min"),
        "erase": env.str("THROTTLE_ERASE", default="5/hour"),
        "export": env.str("THROTTLE_EXPORT", default="10/hour"),
        "openreferral": env.str("THROTTLE_OPENREFERRAL", default="120/min"),
    },
    # Client addresses for throttling: X-Forwarded-For is believed only for this
    # many proxies in front of gunicorn (0: the socket's address, never the header,
    # so a caller cannot pick a fresh address per request).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
}
# platform_core/parsers.py: the largest JSON body and the deepest nesting the API reads.
API_MAX_JSON_BYTES = 64 * 1024
API_MAX_JSON_DEPTH = 8

# Personal API tokens: django-rest-knox keeps a SHA-512 digest, never the token.
# Everyone's tokens expire; an officer's within their council's
# `officer_token_hours` (a working day by default), an admin's within
# ADMIN_TOKEN_HOURS (docs/decisions/0014-tokens-and-the-staff-door.md).
KNOX_TOKEN_MODEL = "platform_core.ApiToken"  # noqa: S105 - a model name
# knox's own migrations would create its (swapped-out) AuthToken table anyway,
# with a foreign key to users; without them nothing of knox's is created.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": timedelta(days=30), "AUTO_REFRESH": False}
API_TOKEN_MAX_DAYS = 90
API_TOKENS_PER_USER = 10
ADMIN_TOKEN_HOURS = env.int("ADMIN_TOKEN_HOURS", default=8)

SPECTACULAR_SETTINGS = {
    "TITLE": "Convene API",
    "DESCRIPTION": "Residents' needs, providers' offers and the matches between them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's shared error responses (400/401/403/404/429), platform_core/openapi.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "platform_core.openapi.document_errors",
    ],
    # Choice sets whose field names collide across apps ("kind", "role") get one name each.
    "ENUM_NAME_OVERRIDES": {
        "ProviderKindEnum": "providers.models.Provider.Kind",
        "EvidenceKindEnum": "providers.models.VerificationEvidence.Kind",
        "ProviderMemberRoleEnum": "providers.models.ProviderMember.Role",
        "PreferenceEnum": "platform_core.models.Preference",
        "MatchPartyEnum": ["provider", "resident"],
        "NeedStatusEnum": "residents.models.Need.Status",
        "ReferrerStatusEnum": "residents.models.Referrer.Status",
        "ConsentMethodEnum": "residents.models.ConsentRecord.Method",
        "ClaimCodeChannelEnum": "residents.models.ClaimCode.Channel",
        "ExclusionSourceEnum": "matching.models.Exclusion.Source",
        "ExclusionAddSourceEnum": [("match", "From a match"), ("review", "From a review")],
    },
}

# --- Security ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

from csp.constants import NONCE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    # Every page, the API docs and the admin included (the docs add a style nonce,
    # platform_core/urls.py; the admin needs nothing more: tests/browser/test_csp.py).
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
