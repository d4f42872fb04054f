"""WSGI entry point, for management tools only: the server is ASGI (chatroom.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatroom.settings")

application = get_wsgi_application()
