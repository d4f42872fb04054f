"""The per-address `auth` throttle of the REST login, applied to the login and registration pages too."""

from django.http import HttpRequest
from rest_framework.throttling import ScopedRateThrottle


class _AuthScope:
    """Stands in for a DRF view: ScopedRateThrottle reads the scope from it."""

    throttle_scope = "auth"


def auth_attempt_wait(request: HttpRequest) -> float | None:
    """
    Count one login or registration attempt from the request's address; return
    None when it may proceed, else the seconds to wait. Pages and the REST
    endpoints share the bucket, so neither is a way around the other.
    """
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _AuthScope()):
        return None
    return throttle.wait() or 1.0
