from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from chatroom.realtime.presence import register_audience
        from rooms.selectors import presence_audience

        register_audience(presence_audience)
