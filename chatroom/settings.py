"""
Settings for the chat server, read from the environment (see `.env.example`).

The embedded default (no variables set) is SQLite, the in-memory channel layer
and a local-memory cache in one process. `DATABASE_URL` switches to MySQL and
`REDIS_URL` to Redis for the channel layer and the cache.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional .env file beside manage.py, for local runs; real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Outside debug there is no default: a deployment must bring its own secret.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="insecure-key-for-local-debug-only-never-in-production" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chatroom",
    "accounts",
    "rooms",
    "messaging",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatroom.middleware.content_security_policy_middleware",
]

ROOT_URLCONF = "chatroom.urls"
ASGI_APPLICATION = "chatroom.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

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

# --- Database ---------------------------------------------------------------

# sqlite:///path, or mysql://user:password@host:3306/name for production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock (IMMEDIATE + timeout) instead of failing
    # with "database is locked"; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"charset": "utf8mb4"})
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# Persistent connections with a health check: async code reaches the ORM from
# a thread pool, so a stale connection must be noticed rather than trusted.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache -----------------------------------------

REDIS_URL = env("REDIS_URL", default="")
# Keys of the cache, and of presence (chatroom.realtime.presence_store), start with this.
CACHE_PREFIX = env("CACHE_PREFIX", default="chat")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub does not drop under load (the list-based layer drops
            # silently at `capacity`); pushes stay best effort and clients
            # recover by id. Each process subscribes once per room (chatroom.realtime.hub).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CHANNELS_PREFIX", default="chat")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Tickets and throttle buckets live here: LocMemCache's default
            # of 300 entries evicts them under a few hundred sockets (1,000 tickets: 745 lost).
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Auth -------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    # Every refresh hands out a new refresh token and blacklists the old one.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        # Same-origin pages; DRF enforces CSRF on it for unsafe methods.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Login and registration, per client address.
        "auth": env("AUTH_THROTTLE_RATE", default="10/min"),
        # Every other endpoint, per user: generous enough for any real client.
        "user": env("API_THROTTLE_RATE", default="1200/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chatroom.exceptions.api_exception_handler",
}
# nginx appends to X-Forwarded-For; trust that many proxies when reading the client
# address. 0 means REMOTE_ADDR: DRF's None would key throttles on the whole header,
# which a client forges to get a fresh bucket per request.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

SPECTACULAR_SETTINGS = {
    "TITLE": "Chatroom API",
    "DESCRIPTION": "REST half of the chat protocol; the WebSocket half is in docs/PROTOCOL.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from a vendored package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "rooms.models.Membership.Role",
        "AssignableRoleEnum": [("admin", "admin"), ("member", "member")],
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Chat -------------------------------------------------------------------

# Sends (WebSocket and REST together) per user: a token bucket.
CHAT_SEND_RATE = env.float("CHAT_SEND_RATE", default=10.0)
CHAT_SEND_BURST = env.int("CHAT_SEND_BURST", default=20)
# WebSocket tickets from auth/ws-ticket/: single use, this many seconds.
CHAT_WS_TICKET_TTL = env.int("CHAT_WS_TICKET_TTL", default=30)
# Largest text frame the consumer reads; larger ones get a `too_large` error.
CHAT_MAX_FRAME_BYTES = 64 * 1024
# Unsent data a WebSocket may hold before the server closes it with 1013 (chatroom.server):
# a client that stops reading must not pile up frames in the worker's memory.
CHAT_WS_MAX_UNSENT_BYTES = env.int("CHAT_WS_MAX_UNSENT_BYTES", default=1024 * 1024)
# Presence (chatroom.realtime.presence). A user's offline is announced this long after their
# last socket closed; a socket opened meanwhile (a page reload) cancels it: no flicker.
CHAT_PRESENCE_GRACE_SECONDS = env.float("CHAT_PRESENCE_GRACE_SECONDS", default=5.0)
# Every worker says it is alive this often, and sweeps: it drops the sockets of workers silent
# for the timeout (killed), whose users then go offline: within timeout + heartbeat (40 s).
CHAT_PRESENCE_HEARTBEAT_SECONDS = env.float("CHAT_PRESENCE_HEARTBEAT_SECONDS", default=10.0)
CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS = env.float("CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS", default=30.0)
# Avatars: verified images no larger than this.
CHAT_AVATAR_MAX_BYTES = env.int("CHAT_AVATAR_MAX_BYTES", default=2 * 1024 * 1024)

# Refuse to serve on the in-memory layer or local-memory cache (chatroom.checks):
# they reach one process only. On by default whenever DEBUG is off.
CHAT_REQUIRE_SHARED_BACKENDS = env.bool("CHAT_REQUIRE_SHARED_BACKENDS", default=not DEBUG)

# --- Static and media -------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o644
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# --- I18N -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind TLS terminated by a proxy: trust its X-Forwarded-Proto and mark cookies secure.
if env.bool("DJANGO_SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------

# JSON lines (one object per record, with the `event` and ids given in `extra`)
# unless DJANGO_LOG_FORMAT=plain; plain text by default in debug.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
