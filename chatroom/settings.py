"""
Settings for the chat server, read from the environment (see `.env.example`).

The embedded default (no variables set) is SQLite, the in-memory channel layer
and a local-memory cache in one process. `DATABASE_URL` switches to MySQL and
`REDIS_URL` to Redis for the channel layer and the cache.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from chatroom.redis_client import channel_layer_host, parse_sentinels

BASE_DIR = Path(__file__).resolve().parent.parent


class SecretFiles(environ.FileAwareMapping):
    """
    The environment, where NAME_FILE=/run/secrets/name is read instead of NAME (Docker
    secrets: secrets stay out of the environment that `docker inspect` shows, and each
    container is given only its own), without the newline that ends most files.
    """

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(f"{key}_FILE") else value


class Env(environ.FileAwareEnv):
    ENVIRON = SecretFiles()


env = Env()
# The .env file beside manage.py (`make run` writes one for development), so that
# manage.py, pytest and the server read the same settings; real environment variables
# win. DJANGO_ENV_FILE names another file, or none when empty (pyproject.toml's tests).
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Outside debug there is no default: a deployment must bring its own secret, and
# chatroom.checks refuses a placeholder or a weak one when the server starts.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the DJANGO_SECRET_KEY environment variable (DJANGO_DEBUG is off). Generate one with: "
            'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    # Debug only (the branch above refuses to run without a key otherwise).
    SECRET_KEY = "insecure-key-for-local-debug-only-never-in-production"  # nosec B105
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    # /metrics: HTTP and database metrics, and the chat's own (chatroom.metrics) on the same registry.
    "django_prometheus",
    # django.contrib.admin with the project's site (chatroom.admin: sign-in limits).
    "chatroom.apps.ChatAdminConfig",
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
    "axes",
    "chatroom",
    "accounts",
    "rooms",
    "messaging",
    "moderation",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics answer before anything else: orchestrators and the
    # scraper ask the workers by their internal names, which ALLOWED_HOSTS does not list.
    "chatroom.middleware.probe_middleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before CommonMiddleware (Django's documented place): the language of
    # each request, pages and API alike, from the django_language cookie, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's own language over the browser's (accounts.locale).
    "accounts.locale.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatroom.middleware.content_security_policy_middleware",
    # Turns a sign-in that axes refused (a locked-out username at this address) into the
    # lockout page; last, so that it sees the login view's response.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "chatroom.i18n.languages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

# sqlite:///path, or mysql://user:password@host:3306/name for production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The password on its own (DATABASE_PASSWORD_FILE: the same Docker secret the database
# container is given), for a DATABASE_URL that carries none.
if env("DATABASE_PASSWORD", default=""):
    DATABASES["default"]["PASSWORD"] = env("DATABASE_PASSWORD")
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
# django-prometheus's wrapper of the same backend: query, error and connection counters
# (for MySQL and SQLite, with its cursor wrapper class built once: chatroom.dbbackends).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.mysql": "chatroom.dbbackends.mysql",
    "django.db.backends.sqlite3": "chatroom.dbbackends.sqlite3",
}.get(
    DATABASES["default"]["ENGINE"],
    DATABASES["default"]["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends."),
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache -----------------------------------------

# High availability: REDIS_SENTINELS ("host:port,host:port") and REDIS_SENTINEL_MASTER
# make every Redis user (channel layer, cache, tickets, rate limiter, /readyz) follow the
# master that Redis Sentinel names (chatroom.redis_client). REDIS_URL then gives only
# the database number; its host is ignored.
REDIS_SENTINELS = parse_sentinels(env.list("REDIS_SENTINELS", default=[]))
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="chat")
REDIS_PASSWORD = env("REDIS_PASSWORD", default="")
REDIS_URL = env("REDIS_URL", default="") or (f"redis://{REDIS_SENTINEL_MASTER}/0" if REDIS_SENTINELS else "")
# Keys of the cache, and of presence (chatroom.realtime.presence_store), start with this.
CACHE_PREFIX = env("CACHE_PREFIX", default="chat")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub does not drop under load (the list-based layer drops
            # silently at `capacity`); pushes stay best effort and clients
            # recover by id. Each process subscribes once per room (chatroom.realtime.hub).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    channel_layer_host(
                        REDIS_URL, sentinels=REDIS_SENTINELS, master=REDIS_SENTINEL_MASTER, password=REDIS_PASSWORD
                    )
                ],
                "prefix": env("CHANNELS_PREFIX", default="chat"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": (
                {"pool_class": "chatroom.redis_client.SentinelMasterPool"}
                if REDIS_SENTINELS
                else ({"password": REDIS_PASSWORD} if REDIS_PASSWORD else {})
            ),
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

# Axes first: it refuses a locked-out username at this address before any password is checked.
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

# (A name of its own: bandit takes a string beside a key saying TOKEN for a password.)
_revocation_aware_refresh = "accounts.authentication.TokenRefreshSerializer"
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    # Every refresh hands out a new refresh token and blacklists the old one.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # A refresh token issued before a deactivation or password change mints nothing.
    "TOKEN_REFRESH_SERIALIZER": _revocation_aware_refresh,
}

# --- REST framework ---------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing tokens issued before a deactivation or password change.
        "accounts.authentication.JWTAuthentication",
        # Same-origin pages; DRF enforces CSRF on it for unsafe methods.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's JSONParser, refusing deep nesting with 400 rather than a RecursionError's 500.
        "chatroom.parsers.BoundedJSONParser",
        # Neither of these recurses: multipart and urlencoded bodies are flat name/value lists.
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Sign-ins (pages, REST, admin) per client address: far above what people type, so
        # that an office behind one NAT is never refused; axes locks out guessing per username.
        "login": env("LOGIN_THROTTLE_RATE", default="100/min"),
        # Registrations (page and REST) per client address.
        "register": env("AUTH_THROTTLE_RATE", default="10/min"),
        # Account deletions per user (DELETE me/, which checks the password): no password guessing.
        "account_delete": env("ACCOUNT_DELETE_THROTTLE_RATE", default="10/hour"),
        # Every other endpoint, per user: generous enough for any real client.
        "user": env("API_THROTTLE_RATE", default="1200/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chatroom.exceptions.api_exception_handler",
}
# Proxies in front (nginx: 1), each appending to X-Forwarded-For: the client's address is
# the entry the outermost one wrote (chatroom.client_address, used by the throttles, axes
# and the logs). 0 means REMOTE_ADDR. DRF's own reading agrees: its None would key on the
# whole header, which a client forges to get a fresh bucket per request.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

# django-axes: LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address lock
# that pair out (never the username everywhere, never the whole address) until
# LOGIN_LOCKOUT_MINUTES after the last attempt. Attempt rows older than that are deleted
# at the next sign-in (`manage.py axes_reset` clears all, e.g. to unlock someone); no row
# is kept per successful sign-in.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "chatroom.client_address.request_client_address"
AXES_USERNAME_CALLABLE = "accounts.throttling.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_DISABLE_ACCESS_LOG = True
# The failure is logged once, by accounts.signals, with the client address; not again by axes.
AXES_VERBOSE = False

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
# Seconds a worker told to stop (SIGTERM) keeps serving while /readyz says "draining", for a
# balancer that polls /readyz to stop sending it anything new (chatroom.server). nginx needs
# none: it sees the closed port at once.
CHAT_DRAIN_SECONDS = env.float("CHAT_DRAIN_SECONDS", default=0.0)
# Deleted messages keep their tombstone (and their moderation record) for good; their text
# is blanked this many days after deletion (manage.py purge_deleted_messages, run daily by
# manage.py housekeeping).
CHAT_DELETED_RETENTION_DAYS = env.int("CHAT_DELETED_RETENTION_DAYS", default=30)
# Avatars: verified images no larger than this.
CHAT_AVATAR_MAX_BYTES = env.int("CHAT_AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
# The site's public address (https://chat.example.com), for the invite links in pushed
# frames, which have no request to take the host from; REST answers use the request's.
CHAT_SITE_URL = env("CHAT_SITE_URL", default="")
# ...declaring at most this many pixels a side and in all (judged before decoding: chatroom.images),
CHAT_AVATAR_MAX_SIDE = env.int("CHAT_AVATAR_MAX_SIDE", default=4096)
CHAT_AVATAR_MAX_PIXELS = env.int("CHAT_AVATAR_MAX_PIXELS", default=16 * 1024 * 1024)
# ...and stored re-encoded at most this many pixels a side, without metadata.
CHAT_AVATAR_SIZE = env.int("CHAT_AVATAR_SIZE", default=512)
# Attachments (messaging.attachments): files up to this size, refused (413) while they stream in.
CHAT_ATTACHMENT_MAX_BYTES = env.int("CHAT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Images among them: at most this many pixels (Pillow only warns below 100 MP) and a side;
# larger ones are refused (400), not stored as files.
CHAT_ATTACHMENT_MAX_PIXELS = env.int("CHAT_ATTACHMENT_MAX_PIXELS", default=50_000_000)
CHAT_ATTACHMENT_MAX_SIDE = env.int("CHAT_ATTACHMENT_MAX_SIDE", default=30_000)
# Thumbnails: at most this many pixels on the longer side.
CHAT_ATTACHMENT_THUMBNAIL_SIZE = env.int("CHAT_ATTACHMENT_THUMBNAIL_SIZE", default=480)
# Uploads per user: a token bucket, like sends.
CHAT_UPLOAD_RATE = env.float("CHAT_UPLOAD_RATE", default=1.0)
CHAT_UPLOAD_BURST = env.int("CHAT_UPLOAD_BURST", default=20)
# An upload not sent within this many hours is refused by a send and purged (manage.py purge_uploads).
CHAT_UPLOAD_TTL_HOURS = env.int("CHAT_UPLOAD_TTL_HOURS", default=24)
# Behind nginx: the worker checks access and answers X-Accel-Redirect to this internal
# location, which serves CHAT_ATTACHMENT_ROOT (deploy/nginx); empty: the worker streams the file.
CHAT_ATTACHMENT_ACCEL_PREFIX = env("CHAT_ATTACHMENT_ACCEL_PREFIX", default="")

# Open WebSockets per user, per worker process: the next is closed with 4429 (0: no limit).
CHAT_MAX_SOCKETS_PER_USER = env.int("CHAT_MAX_SOCKETS_PER_USER", default=50)
# Rooms a user may own at once: creating another answers 409 (0: no limit).
CHAT_MAX_ROOMS_PER_USER = env.int("CHAT_MAX_ROOMS_PER_USER", default=200)

# Refuse to serve on the in-memory layer or local-memory cache (chatroom.checks):
# they reach one process only. On by default whenever DEBUG is off.
CHAT_REQUIRE_SHARED_BACKENDS = env.bool("CHAT_REQUIRE_SHARED_BACKENDS", default=not DEBUG)

# --- Static and media -------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Outside debug, collectstatic writes content-hashed names (app.3f2a…9c.js) that nginx may
# cache for a year, and pages link to them; in debug (make run, the browser tests) files are
# served as they are, with no collectstatic needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "chatroom.storage.HashedStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Attachments are private: outside MEDIA_ROOT (which nginx serves to anyone), only ever
# served by the attachment view after its access check (messaging.attachments).
CHAT_ATTACHMENT_ROOT = Path(env("DJANGO_ATTACHMENT_ROOT", default=str(BASE_DIR / "attachments")))
STORAGES["attachments"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": CHAT_ATTACHMENT_ROOT, "base_url": "/attachments-not-public/"},
}
FILE_UPLOAD_PERMISSIONS = 0o644
# Request bodies other than uploaded files (JSON, form fields): refused past this (chatroom.parsers).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Request bodies and uploaded files larger than this go to a temporary file, not memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Any request body, refused by the worker before it is read (chatroom.server); each upload
# endpoint has its own, smaller limit (chatroom.uploads). nginx's client_max_body_size matches.
# The default fits the largest upload (an attachment) and its form.
CHAT_MAX_REQUEST_BYTES = env.int("CHAT_MAX_REQUEST_BYTES", default=CHAT_ATTACHMENT_MAX_BYTES + 64 * 1024)

# --- I18N -------------------------------------------------------------------

# English and Simplified Chinese (README, "Languages"). A request's language comes from the
# django_language cookie (set by the switcher, and from User.language at sign-in), else from
# Accept-Language, else English; the API's `detail` texts and the WebSocket's error frames follow it.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind TLS terminated by a proxy: trust its X-Forwarded-Proto and mark cookies secure.
SECURE_PROXY_SSL = env.bool("DJANGO_SECURE_PROXY_SSL", default=False)
if SECURE_PROXY_SSL:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# HSTS on https responses: a year by default once TLS is in front. deploy/nginx sends the
# same header itself (CHAT_HSTS_SECONDS) on everything it serves, replacing this one.
# includeSubDomains covers subdomains of the chat's own host name only. Preloading is a
# commitment the domain's owner makes at hstspreload.org, not a default: hence W021 below.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_PROXY_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# http:// to https:// is the job of whatever terminates TLS (deploy/nginx redirects every
# plain request before it reaches a worker). What reaches a worker over plain http without
# X-Forwarded-Proto came over the internal network, where the worker has no https to send it
# to: so Django's own redirect is off by default. Set it on when nothing in front redirects.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if SECURE_PROXY_SSL and not SECURE_SSL_REDIRECT:
    # The proxy in front terminates TLS and redirects (check --deploy's W008 cannot see it).
    SILENCED_SYSTEM_CHECKS.append("security.W008")

# --- Logging ----------------------------------------------------------------

# JSON lines (one object per record, with the `event` and ids given in `extra`, the
# request id and the client's address: chatroom.logs) unless DJANGO_LOG_FORMAT=plain;
# plain text by default in debug. The server's access log is one of these lines too
# (logger chatroom.access, at INFO whatever DJANGO_LOG_LEVEL says, as daphne's was).
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
    "filters": {
        "request_context": {"()": "chatroom.logs.RequestContextFilter"},
        # Refused frames and failed sign-ins, which anyone can cause at will: a flood of
        # them must not fill the disk (the line after a gap says how many were dropped).
        "flood": {"()": "chatroom.logs.FloodFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "flood"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Axes' own lines repeat, unstructured, what accounts.signals logs as events
        # (auth.login_failed, auth.locked_out); keep only its errors.
        "axes": {"level": "ERROR"},
        "chatroom.access": {"level": "INFO"},
    },
}

# --- Errors -----------------------------------------------------------------

# Sentry (or a compatible service) receives unhandled errors when SENTRY_DSN is set
# (SENTRY_DSN_FILE works too): never message bodies, passwords, tokens or tickets
# (chatroom.sentry scrubs every event before it leaves).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from chatroom.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
