"""HTTP middleware of the project as a whole."""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

from chatroom import health

# Scripts and styles only from our own files: no inline script or style can run,
# so text that slips into a page as markup stays inert. Page data travels in
# data-* attributes and <script type="application/json"> blocks, which never run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        "script-src 'self'",
        # Same-origin fetches and the chat WebSocket: browsers match ws:/wss: on the page's
        # own host under 'self' (CSP Level 3), and nothing else may be reached.
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def _add_policy(response: HttpResponse) -> HttpResponse:
    # A view that needs a different policy sets its own header.
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


@sync_and_async_middleware
def content_security_policy_middleware(get_response: Callable) -> Callable:
    """Send CONTENT_SECURITY_POLICY with every response; async-capable, so daphne needs no thread hop for it."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            return _add_policy(await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            return _add_policy(get_response(request))

    return middleware


# Answered before the rest of the stack, the host check included: orchestrators and the
# scraper ask each worker by its internal name (web1:8000), which ALLOWED_HOSTS does not
# list. They build no URL from the Host header, which is what the host check protects.
PROBES = {health.HEALTH_PATH: health.healthz, health.READY_PATH: health.readyz, health.METRICS_PATH: health.metrics}


@sync_and_async_middleware
def probe_middleware(get_response: Callable) -> Callable:
    """Serve the probe endpoints (PROBES) directly; everything else goes on down the stack."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            probe = PROBES.get(request.path_info)
            if probe is not None:
                return await sync_to_async(probe)(request)
            return await get_response(request)

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            probe = PROBES.get(request.path_info)
            if probe is not None:
                return probe(request)
            return get_response(request)

    return middleware
