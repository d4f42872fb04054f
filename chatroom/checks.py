"""
Deployment checks: outside debug, refuse single-process backends and placeholder
secrets; always, refuse presence timings that cannot work.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Words that mark a value someone meant to replace: the example files' "CHANGE-me",
# "your-secret-here", "django-insecure-…". Five letters or more, so that a randomly
# generated key contains one by chance about once in a million.
PLACEHOLDER_WORDS = (
    "change",
    "example",
    "placeholder",
    "insecure",
    "dummy",
    "default",
    "password",
    "secret",
    "sample",
    "replace",
    "fixme",
    "xxxxx",
)
# python3 -c "import secrets; print(secrets.token_urlsafe(50))" gives 67 characters, about 40 distinct.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10
# token_urlsafe(24), as scripts/make-secrets.sh generates, gives 32.
DATABASE_PASSWORD_MIN_LENGTH = 16
DATABASE_PASSWORD_MIN_DISTINCT = 8


def secret_weakness(value: str, *, min_length: int, min_distinct: int) -> str | None:
    """Say why `value` looks like a placeholder or is too weak to be a secret; None if it passes."""
    lowered = value.lower()
    for word in PLACEHOLDER_WORDS:
        if word in lowered:
            return f'contains the placeholder word "{word}"'
    if len(value) < min_length:
        return f"is {len(value)} characters long (at least {min_length})"
    if len(set(value)) < min_distinct:
        return f"has {len(set(value))} distinct characters (at least {min_distinct})"
    return None


@register(Tags.security)
def check_secrets(app_configs, **kwargs):
    """Outside debug, the secret key and database passwords must not be the example files' placeholders."""
    if settings.DEBUG:
        return []
    errors = []
    weakness = secret_weakness(
        settings.SECRET_KEY, min_length=SECRET_KEY_MIN_LENGTH, min_distinct=SECRET_KEY_MIN_DISTINCT
    )
    if weakness:
        errors.append(
            Error(
                f"DJANGO_SECRET_KEY {weakness}: sessions and tokens signed with it could be forged.",
                hint='Generate one: python3 -c "import secrets; print(secrets.token_urlsafe(50))"',
                id="chatroom.E003",
            )
        )
    for alias, database in settings.DATABASES.items():
        password = database.get("PASSWORD")
        if not password:  # SQLite, or a server that authenticates otherwise (a local socket)
            continue
        weakness = secret_weakness(
            password, min_length=DATABASE_PASSWORD_MIN_LENGTH, min_distinct=DATABASE_PASSWORD_MIN_DISTINCT
        )
        if weakness:
            errors.append(
                Error(
                    f"The password of the {alias!r} database (DATABASE_URL) {weakness}.",
                    hint='Set a generated one on the database and in DATABASE_URL: python3 -c "import secrets; '
                    'print(secrets.token_urlsafe(24))"',
                    id="chatroom.E004",
                )
            )
    return errors


@register()
def check_shared_backends(app_configs, **kwargs):
    """Outside debug, the channel layer and cache must be shared by every worker (Redis)."""
    if not settings.CHAT_REQUIRE_SHARED_BACKENDS:
        return []
    errors = []
    layer = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if layer.endswith("InMemoryChannelLayer"):
        errors.append(
            Error(
                "The in-memory channel layer reaches only one process.",
                hint="Set REDIS_URL (or DJANGO_DEBUG=true for a single local process).",
                id="chatroom.E001",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        errors.append(
            Error(
                "The local-memory cache is not shared: tickets, presence and rate limits would differ per worker.",
                hint="Set REDIS_URL (or DJANGO_DEBUG=true for a single local process).",
                id="chatroom.E002",
            )
        )
    return errors


@register()
def check_presence_timing(app_configs, **kwargs):
    """A worker must beat several times within the timeout, or live workers are taken for dead."""
    heartbeat = settings.CHAT_PRESENCE_HEARTBEAT_SECONDS
    timeout = settings.CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS
    errors = []
    if heartbeat <= 0 or timeout < 2 * heartbeat:
        errors.append(
            Error(
                f"CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS ({timeout:g}) must be at least twice "
                f"CHAT_PRESENCE_HEARTBEAT_SECONDS ({heartbeat:g}), which must be positive.",
                hint="A worker that misses one beat would have its users shown offline.",
                id="chatroom.E005",
            )
        )
    if settings.CHAT_PRESENCE_GRACE_SECONDS < 0:
        errors.append(Error("CHAT_PRESENCE_GRACE_SECONDS must not be negative.", id="chatroom.E006"))
    return errors
