from django.apps import AppConfig


class ChatroomConfig(AppConfig):
    name = "chatroom"

    def ready(self):
        from django.urls import register_converter

        from chatroom import checks  # noqa: F401  (registers the deployment checks)
        from chatroom.converters import IdConverter

        register_converter(IdConverter, "id")
