"""
ASGI entry point: Django for HTTP, the chat consumer for WebSocket.

The WebSocket side refuses a handshake whose Origin is not the site's own
(scheme, host and port: chatroom.realtime.origin) and authenticates by ticket
or session.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatroom.settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

if not settings.DEBUG or settings.CHAT_REQUIRE_SHARED_BACKENDS:
    # Refuse to serve on settings that fail the system checks (chatroom.checks): placeholder
    # secrets, backends that reach one process only. The server exits with the reasons.
    from django.core.management import call_command

    call_command("check", fail_level="ERROR")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from accounts.middleware import WebSocketAuthStack  # noqa: E402
from chatroom.logs import RequestContextMiddleware  # noqa: E402
from chatroom.realtime.origin import SameOriginValidator  # noqa: E402
from messaging.routing import websocket_urlpatterns  # noqa: E402

# In production nginx serves /static/; in debug, daphne serves it itself.
http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.DEBUG else django_asgi_app

# Every line logged for a request or a socket carries its request id and client (chatroom.logs).
application = RequestContextMiddleware(
    ProtocolTypeRouter(
        {
            "http": http_app,
            "websocket": SameOriginValidator(WebSocketAuthStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
