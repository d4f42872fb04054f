"""
Error reporting to Sentry, on when SENTRY_DSN is set (settings), with nothing
in an event that a chat must keep to itself.

What never leaves: request bodies (not attached at all), cookies, the
Authorization and Cookie headers, the value of any key that names a body, a
password, a token, a ticket, a secret or a session, anywhere in the event
(extra data, contexts, breadcrumbs, tags), and ticket=/token= values in query
strings and URLs. Local variables of stack frames are not sent: a frame's
`text_data` or `message` holds what people wrote, under names no deny-list
can foresee. Personal data (user ids, addresses) stays off (send_default_pii).
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.asyncio import enable_asyncio_integration
from sentry_sdk.integrations.django import DjangoIntegration

from chatroom.logs import redact_secrets

FILTERED = "[Filtered]"
# A key whose value is withheld: one of these names, or a name that contains one of the parts.
SECRET_KEYS = frozenset({"body", "text", "text_data", "html", "message_body"})
SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "token",
    "ticket",
    "secret",
    "session",
    "csrf",
    "authorization",
    "cookie",
    "api_key",
    "dsn",
)
# Parts of the request that are dropped whole.
DROPPED_REQUEST_PARTS = ("data", "cookies")


def is_secret_key(key: Any) -> bool:
    lowered = str(key).lower()
    return lowered in SECRET_KEYS or any(part in lowered for part in SECRET_KEY_PARTS)


def scrub(value: Any) -> Any:
    """`value` with the values of secret-named keys withheld and secrets taken out of strings, at any depth."""
    if isinstance(value, dict):
        return {key: FILTERED if is_secret_key(key) else scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return redact_secrets(value)
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: the event as it may leave the server."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in DROPPED_REQUEST_PARTS:
            request.pop(part, None)
    return scrub(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return scrub(crumb)


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    """Report errors to `dsn`. The asyncio integration is added once the server's loop runs (sentry_enable_asyncio)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=traces_sample_rate,
    )


def sentry_enable_asyncio() -> None:
    """Report errors of asyncio tasks too; it must run inside the running event loop (the server calls it)."""
    if sentry_sdk.get_client().is_active():
        enable_asyncio_integration()
