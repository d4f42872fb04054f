"""
How sign-ins and registrations are limited.

Two layers on every login path (the page, REST `auth/token/`, the admin):
django-axes locks out one username from one client address after
LOGIN_FAILURE_LIMIT failures, for LOGIN_LOCKOUT_MINUTES, so one person's typos
never lock out a colleague behind the same NAT; and a per-address throttle
(LOGIN_THROTTLE_RATE, far above what a person types) bounds password spraying
across usernames. Registration keeps its own per-address throttle. Every
address is chatroom.client_address's.
"""

import math

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import throttling

from accounts.models import username_key
from chatroom.client_address import request_client_address

# AccessAttempt.username holds 255 characters; a longer REST username would fail to be recorded.
LOCKOUT_USERNAME_MAX_LENGTH = 255
# Why a locked-out sign-in is refused, on the pages and in the REST `detail` alike.
LOCKOUT_REASON = _("Too many failed sign-ins for this account from your address.")


class ClientAddressIdent:
    """Key anonymous requests on chatroom.client_address, the one definition of a client's address."""

    def get_ident(self, request) -> str | None:
        return request_client_address(request)


class UserRateThrottle(ClientAddressIdent, throttling.UserRateThrottle):
    """Every REST endpoint: per user, or per client address for anonymous requests."""


class AccountDeleteRateThrottle(UserRateThrottle):
    """DELETE me/ per user: it checks the password, which a stolen token must not let anyone guess at speed."""

    scope = "account_delete"


class ClientAddressRateThrottle(ClientAddressIdent, throttling.SimpleRateThrottle):
    """Requests per client address, signed in or not: the rate of the subclass's `scope`."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(ClientAddressRateThrottle):
    """Sign-in attempts per client address, whoever they claim to be."""

    scope = "login"


class RegisterRateThrottle(ClientAddressRateThrottle):
    """Registrations per client address."""

    scope = "register"


def _attempt_wait(request: HttpRequest, throttle: throttling.SimpleRateThrottle) -> int | None:
    if throttle.allow_request(request, None):
        return None
    return math.ceil(throttle.wait() or 1)


def login_attempt_wait(request: HttpRequest) -> int | None:
    """
    Count one sign-in attempt from the request's address; return None when it may
    proceed, else the seconds to wait. The pages, the admin and the REST endpoint
    share the bucket, so none is a way around the others.
    """
    return _attempt_wait(request, LoginRateThrottle())


def registration_attempt_wait(request: HttpRequest) -> int | None:
    """Count one registration from the request's address, as login_attempt_wait does."""
    return _attempt_wait(request, RegisterRateThrottle())


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """
    AXES_USERNAME_CALLABLE: the account an attempt is counted against, by its
    username_key (so "Alice" and a full-width "ALICE" share one count, as they sign in to
    one account), cut to what axes stores.
    """
    username = (credentials or getattr(request, "data", request.POST)).get("username")
    return username_key(username)[:LOCKOUT_USERNAME_MAX_LENGTH] if isinstance(username, str) else None


def is_locked_out(request) -> bool:
    """Whether axes refused this request's sign-in (it marks the request it was given)."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_seconds() -> int:
    """How long a lockout lasts: from the refused attempt, since each attempt during a lockout restarts it."""
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())
