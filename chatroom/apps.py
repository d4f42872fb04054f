from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ChatroomConfig(AppConfig):
    name = "chatroom"

    def ready(self):
        from django.urls import register_converter

        from chatroom import checks  # noqa: F401  (registers the deployment checks)
        from chatroom.converters import IdConverter

        register_converter(IdConverter, "id")


class ChatAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, in INSTALLED_APPS as this, with chatroom.admin.ChatAdminSite as `admin.site`."""

    default = False  # not the configuration of the `chatroom` app itself
    default_site = "chatroom.admin.ChatAdminSite"
