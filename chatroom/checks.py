"""Deployment checks: outside debug, refuse settings that only work in one process."""

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
