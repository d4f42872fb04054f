"""Health endpoints for load balancers and orchestrators."""

import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving HTTP."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("readyz", 1, timeout=5)
    if cache.get("readyz") != 1:
        raise RuntimeError("cache did not keep a value")


def _check_redis() -> None:
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()


@never_cache
@require_GET
def readyz(request):
    """
    The database, the cache and Redis (channel layer) answer: the worker can take traffic.
    Anyone may ask, so the answer names the checks only; why one failed goes to the log.
    """
    checks = {"database": _check_database, "cache": _check_cache, "redis": _check_redis}
    failed = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means not ready; the log says which and why
            failed[name] = str(exc) or exc.__class__.__name__
    if failed:
        logger.warning("readyz failed", extra={"event": "readyz.failed", "failed": failed})
    results = {name: "unavailable" if name in failed else "ok" for name in checks}
    status = "unavailable" if failed else "ok"
    return JsonResponse({"status": status, "checks": results}, status=503 if failed else 200)
