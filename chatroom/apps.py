from django.apps import AppConfig


class ChatroomConfig(AppConfig):
    name = "chatroom"

    def ready(self):
        from chatroom import checks  # noqa: F401  (registers the deployment checks)
