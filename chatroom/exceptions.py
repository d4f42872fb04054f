"""
Errors that services raise, and how the REST API answers them.

Services know nothing of HTTP or WebSocket frames: they raise these, the API
maps them to status codes and the consumer to `error` frames with `code`.
"""

import logging
import math

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from chatroom.client_address import request_client_address

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("chatroom.security")

# A backing service that cannot be reached (the database, Redis during a restart):
# the request may succeed if retried, so it is answered 503, not 500.
BACKEND_DOWN = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)


class ChatError(Exception):
    """Base of the errors a service raises for the caller to see."""

    code = "invalid"
    status = 400
    default_detail = _("Invalid request.")

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


def _join_fields(fields: dict) -> str:
    return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in fields.items())


_join_fields_lazy = lazy(_join_fields, str)


class Invalid(ChatError):
    """Input that fails validation; `fields` maps field names to messages."""

    def __init__(self, detail: str | None = None, *, fields: dict | None = None):
        self.fields = fields or {}
        # Joined when shown, not now: in the language of whoever reads it (a send batch is stored
        # for sockets of several languages at once).
        super().__init__(detail or _join_fields_lazy(self.fields))


class NotMember(ChatError):
    """The room does not exist or the caller is not in it: the same answer, so rooms cannot be enumerated."""

    code = "not_member"
    status = 404
    default_detail = _("Not found.")


class NotFound(ChatError):
    code = "not_found"
    status = 404
    default_detail = _("Not found.")


class Forbidden(ChatError):
    code = "forbidden"
    status = 403
    default_detail = _("You do not have permission to perform this action.")


class Conflict(ChatError):
    code = "conflict"
    status = 409
    default_detail = _("The request conflicts with the current state.")


class RateLimited(ChatError):
    code = "rate_limited"
    status = 429
    default_detail = _("Too many messages; slow down.")

    def __init__(self, retry_after: float, detail: str | None = None):
        self.retry_after = retry_after
        super().__init__(detail)

    @property
    def retry_after_ms(self) -> int:
        return max(1, math.ceil(self.retry_after * 1000))


class Unavailable(ChatError):
    """A backing service (database, cache) failed; the request may be retried."""

    code = "unavailable"
    status = 503
    default_detail = _("The service is temporarily unavailable; try again.")


class RequestTooLarge(drf_exceptions.APIException):
    """A request body over its limit, refused before (or while) it was read."""

    status_code = 413
    default_code = "too_large"

    def __init__(self, limit: int, what: str = "upload"):
        if what == "request body":
            text = _("The request body is larger than %(kib)d KiB.")
        else:
            text = _("The upload is larger than %(kib)d KiB.")
        super().__init__(text % {"kib": limit // 1024})


def api_exception_handler(exc, context):
    """Answer a service's ChatError as DRF would answer its own exceptions."""
    if isinstance(exc, RequestDataTooBig):
        # Django refuses a JSON or form body over DATA_UPLOAD_MAX_MEMORY_SIZE by its declared
        # length, unread; as an API answer that is a 413 like the upload limits', not an HTML 400.
        exc = RequestTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, what="request body")
    if isinstance(exc, BACKEND_DOWN):
        logger.error("request failed on a backing service", exc_info=exc)
        exc = Unavailable()
    if isinstance(exc, RateLimited):
        exc = drf_exceptions.Throttled(wait=math.ceil(exc.retry_after), detail=str(exc.detail))
    elif isinstance(exc, Invalid) and exc.fields:
        exc = drf_exceptions.ValidationError(exc.fields)
    elif isinstance(exc, ChatError):
        # `extra`: fields a service adds to the answer (the rooms a 409 names, say).
        return Response({"detail": exc.detail, **getattr(exc, "extra", {})}, status=exc.status)
    if isinstance(exc, drf_exceptions.Throttled):
        request = context.get("request")
        security_logger.info(
            "request throttled",
            extra={
                "event": "api.throttled",
                "path": request.path if request else None,
                "user_id": getattr(getattr(request, "user", None), "id", None),
                "client": request_client_address(request) if request else None,
            },
        )
    return exception_handler(exc, context)
