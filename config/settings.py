"""Waybill settings: one file, every value from the environment (django-environ).

Development defaults are safe for localhost only. With DEBUG=0 the security settings below make
`manage.py check --deploy --fail-level WARNING` pass.
"""

import importlib.util
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "django-insecure-dev-only-key-do-not-use-in-production-0123456789"  # noqa: S105 (dev only; DEBUG=0 requires SECRET_KEY)
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "core",
    "partners",
    "inventory",
    "purchasing",
    "orders",
    "forecasting",
    "routing",
    "carriers",
    "tracking",
    "promising",
    "simulator",
    "dispatch",
]

MIDDLEWARE = [
    "core.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Errors under /api/ as problem details even where Django answers itself (DEBUG 404s, 405s).
    "core.problems.ProblemDetailsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# The embedded PostgreSQL of `make run`/`make test` listens here by default (scripts/services.py).
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:54329/waybill"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_waybill")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="waybill"),
        "TIMEOUT": 300,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# ISO first in the input formats, so <input type="date"> shows and submits its value.
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# django-leaflet ships Leaflet's JS/CSS; we use only its static files (its admin widgets need
# GDAL), so its folder is added here instead of installing it as an app.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(importlib.util.find_spec("leaflet").origin).parent / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Cached for a year as immutable: the manifest's content-hashed names (DEBUG=0) and vendored
# files whose name carries their version (static/vendor/, e.g. the plotly bundle), which keep
# that name under DEBUG too.
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$|/vendor/.+-\d+\.\d+\.\d+[.\w]*$"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# EMAIL_URL set: mail goes out through that server. Unset (development): each message is kept
# as a file under var/mail/ and staff read them at /mail/ (core.sentmail), not on the console.
if env.str("EMAIL_URL", default=""):
    EMAIL_CONFIG = env.email_url("EMAIL_URL")
    vars().update(EMAIL_CONFIG)
else:
    EMAIL_BACKEND = "core.sentmail.SentMailBackend"
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=BASE_DIR / "var" / "mail")
EMAIL_KEEP = env.int("EMAIL_KEEP", default=1000)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Waybill <noreply@localhost>")

MAP_TILES_URL = env.str("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LEAFLET_CONFIG = {"TILES": MAP_TILES_URL, "DEFAULT_CENTER": (52.52, 13.40), "DEFAULT_ZOOM": 11}

# --- Security (production values whenever DEBUG is off) ---------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Waybill API",
    "DESCRIPTION": (
        "Delivery management API. Partners authenticate with `Authorization: Bearer <api key>`. "
        "Errors are RFC 9457 problem details. POST accepts an `Idempotency-Key` header; "
        "stored responses are replayed for 24 hours."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=24)

# --- Celery -----------------------------------------------------------------------------------
# Reliability: acknowledge after the task ran, requeue when a worker dies, take one task at a
# time, and keep the broker's visibility timeout above the longest task time limit so a running
# task is never handed to a second worker (reference/reliability-tests.md §4).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
    "unacked_restore_interval": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600 * 24
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
# The ETA ticks' queue (tracking.services.eta.debounce); empty: TRACKING_QUEUE. Give it a queue
# and a worker of their own (`celery -A config worker -Q <this> -c 1`) so announcements,
# e-mails, webhooks and solver jobs queued before a tick never delay the ETAs it brings.
TRACKING_ETA_QUEUE = env.str("TRACKING_ETA_QUEUE", default="")

# One console handler on the root logger. Django's own "django" console handler is dropped
# (with DEBUG=1 it printed every request error a second time) and 4xx are logged as one line
# without their traceback (core.logfilters).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "core.logfilters.ClientErrorsWithoutTraceback"}},
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Partner integration: webhooks and throttling (docs/api.md) ----------------------------------
# Deliveries to loopback/private/link-local/metadata addresses are refused unless this is on
# (tests turn it on for their loopback receiver; never in production).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_S = env.float("WEBHOOKS_TIMEOUT_S", default=15.0)
# A send claims its delivery for this long; a worker that dies mid-request is covered by the
# sweep once the claim lapses. Must stay above the request timeout.
WEBHOOKS_CLAIM_S = env.int("WEBHOOKS_CLAIM_S", default=int(WEBHOOKS_TIMEOUT_S) + 30)
WEBHOOKS_SWEEP_INTERVAL_S = env.float("WEBHOOKS_SWEEP_INTERVAL_S", default=10.0)
WEBHOOKS_DISABLE_AFTER_DAYS = env.int("WEBHOOKS_DISABLE_AFTER_DAYS", default=5)
WEBHOOKS_SECRET_OVERLAP_HOURS = env.int("WEBHOOKS_SECRET_OVERLAP_HOURS", default=24)
# Fernet keys for webhook signing secrets at rest, newest first (encrypt with the first, decrypt
# with any); empty: derived from SECRET_KEY. core/crypto.py explains rotation.
WEBHOOK_SECRET_KEYS = env.list("WEBHOOK_SECRET_KEYS", default=[])
WEBHOOKS_QUEUE = env.str("WEBHOOKS_QUEUE", default="celery")

# Per-key (per-user, per-IP for anonymous calls) fixed-window throttle counted atomically in Redis.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 = use REMOTE_ADDR.
API_TRUSTED_PROXY_COUNT = env.int("API_TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "core.schema.AutoSchema"  # unique component names
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["partners.throttling.ApiKeyRateThrottle"]
# django-filter held to the documented parameter types (`?is_active=null` → 400).
REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"] = ["core.filtering.ApiFilterBackend"]
# Request bodies are JSON, as the schema states; form encodings would turn an empty field into a
# missing one and every value into a string. CSV uploads name their own (core.csv_upload).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["rest_framework.parsers.JSONParser"]
REST_FRAMEWORK["TEST_REQUEST_DEFAULT_FORMAT"] = "json"
MIDDLEWARE.append("core.throttling.RateLimitHeadersMiddleware")
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "core.schema.add_common_responses",
]
# Request and response schemas apart, so a request states what the server refuses (a blank
# required text: `minLength: 1`) without claiming it of what the server prints.
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True
# Choice sets shared by several fields get one component name each (no enum-naming warnings).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "StockConditionEnum": "inventory.models.StockCondition",
    "FailureReasonEnum": "orders.models.FailureReason",
    "ReturnReasonEnum": "orders.models.ReturnLine.Reason",
    "VehicleSkillEnum": "orders.models.orders.VehicleSkill",
    "UploadRunStatusEnum": "core.upload_runs.STATUSES",
    "WebhookDeliveryStatusEnum": "partners.models.WebhookDelivery.Status",
}

# --- Purchasing ---------------------------------------------------------------------------------
from decimal import Decimal  # noqa: E402

# Orders whose total is above this amount (in the PO's currency) need an approver's decision;
# at or below it, submitting approves automatically (recorded as an automatic approval).
PURCHASE_APPROVAL_THRESHOLD = Decimal(env.str("PURCHASE_APPROVAL_THRESHOLD", default="1000.00"))
# Over-receipt allowed per PO line, in percent of the ordered quantity (0 = never above it).
PURCHASE_RECEIPT_TOLERANCE_PCT = Decimal(env.str("PURCHASE_RECEIPT_TOLERANCE_PCT", default="0"))
# Daily reorder-suggestion digest to the purchasing role (hour in TIME_ZONE).
PURCHASE_REORDER_DIGEST_HOUR = env.int("PURCHASE_REORDER_DIGEST_HOUR", default=6)

# --- Demand forecasting ------------------------------------------------------------------------
# Nightly: one forecast task per active warehouse in a chord (hour in TIME_ZONE), before the
# reorder digest so purchasing sees suggestions from fresh forecasts.
FORECAST_NIGHTLY_HOUR = env.int("FORECAST_NIGHTLY_HOUR", default=3)
# Capacity planning (routing/capacity.py): stops one driver delivers per working hour.
FORECAST_STOPS_PER_DRIVER_HOUR = env.float("FORECAST_STOPS_PER_DRIVER_HOUR", default=4.0)

# --- Customer orders -----------------------------------------------------------------------------
# Nominatim-compatible geocoder base URL (GET {url}/search?format=jsonv2&q=…); empty = none: orders
# without coordinates wait for a dispatcher to set the point on the map.
GEOCODER_URL = env.str("GEOCODER_URL", default="")
GEOCODER_TIMEOUT_S = env.float("GEOCODER_TIMEOUT_S", default=5.0)
# Days after delivery a product can be returned unless its ProductReturnPolicy says otherwise.
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)

# --- Celery beat: every periodic task of every app, in this one dict ----------------------------
# Task names stay as registered (purchasing's and forecasting's keep their orders.tasks names so
# messages already queued still run). Times are in CELERY_TIMEZONE.
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-records": {
        "task": "core.tasks.idempotency_purge",
        "schedule": 3600.0,
    },
    "webhooks-sweep": {
        "task": "partners.tasks.webhooks_sweep",
        "schedule": WEBHOOKS_SWEEP_INTERVAL_S,
        "options": {"queue": WEBHOOKS_QUEUE, "expires": WEBHOOKS_SWEEP_INTERVAL_S * 3},
    },
    # Re-grade good units of lots past their expiry date to "expired" (daily), and log any stock
    # row whose on_hand/reserved drifts from the ledger (nightly; see manage.py inventory_check).
    "inventory-expire-lots": {
        "task": "inventory.tasks.inventory_expire_lots_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "inventory-check": {
        "task": "inventory.tasks.inventory_check_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Nightly forecasts (one task per active warehouse in a chord), before the reorder digest so
    # purchasing sees suggestions from fresh forecasts.
    "forecasts-nightly": {
        "task": "orders.tasks.forecasts_nightly",
        "schedule": crontab(hour=FORECAST_NIGHTLY_HOUR, minute=0),
    },
    "purchasing-reorder-digest": {
        "task": "orders.tasks.purchasing_reorder_digest",
        "schedule": crontab(hour=PURCHASE_REORDER_DIGEST_HOUR, minute=0),
    },
    "orders-geocode-pending": {
        "task": "orders.tasks.orders_geocode_pending",
        "schedule": 900.0,
        "options": {"expires": 600},
    },
    "tracking-pings-prune": {
        "task": "tracking.tasks.pings_prune",
        "schedule": 3600.0,
        "options": {"expires": 1800},
    },
    # Routes re-planned or edited since their last ETA run get recomputed (routing cannot call
    # tracking).
    "tracking-eta-sweep": {
        "task": "tracking.tasks.eta_sweep",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Today's ETA windows, cut from the errors of earlier days: the first run of a day does the
    # work, the others find it done (hourly, so a worker down at midnight delays it an hour).
    "tracking-eta-windows-refresh": {
        "task": "tracking.tasks.eta_windows_refresh",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # Carriers' tracking events (the sandbox carrier's simulated feed, any polled carrier API).
    "carriers-poll": {
        "task": "carriers.tasks.carriers_poll",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Delivery-option holds past their expiry are marked expired (they stop counting at once).
    "promising-reservations-expire": {
        "task": "promising.tasks.reservations_expire",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}
