"""Deployment checks: outside debug, refuse single-process backends; refuse presence timings that cannot work."""

from django.conf import settings
from django.core.checks import Error, register


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
                id="chatroom.E003",
            )
        )
    if settings.CHAT_PRESENCE_GRACE_SECONDS < 0:
        errors.append(Error("CHAT_PRESENCE_GRACE_SECONDS must not be negative.", id="chatroom.E004"))
    return errors
