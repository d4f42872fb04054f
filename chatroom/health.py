"""
Endpoints for orchestrators, load balancers and the metrics scraper: /healthz,
/readyz and /metrics. chatroom.middleware.probe_middleware answers them before
the host check, since they are asked by a worker's internal name.
"""

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from chatroom.redis_client import redis_client

logger = logging.getLogger(__name__)

# Set by the server (chatroom.server) when it starts to shut down.
_draining = threading.Event()


# Where each worker answers the probes (chatroom.middleware.probe_middleware).
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def start_draining() -> None:
    """From now on /readyz says "draining": balancers that poll it stop sending this worker anything new."""
    _draining.set()


def is_draining() -> bool:
    return _draining.is_set()


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
        redis_client(socket_timeout=2, socket_connect_timeout=2).ping()


@never_cache
@require_GET
def readyz(request):
    """
    The database, the cache and Redis (channel layer) answer: the worker can take traffic.
    Anyone may ask, so the answer names the checks only; why one failed goes to the log.
    A worker shutting down answers 503 "draining" whatever its checks would say.
    """
    if is_draining():
        return JsonResponse({"status": "draining"}, status=503)
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


@never_cache
@require_GET
def metrics(request):
    """
    django-prometheus's /metrics, for the scraper that asks each worker directly. A request
    that came through a proxy (X-Forwarded-For) is refused: nginx refuses the path to the
    public already, and this holds even if a proxy in front is configured otherwise.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return HttpResponseForbidden("metrics are for the scraper on the internal network\n")
    return ExportToDjangoView(request)
