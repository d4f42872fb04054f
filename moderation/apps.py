from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from moderation.roles import moderators_group_ensure

        # After this app's migrations, when the permissions of every app before it exist.
        post_migrate.connect(moderators_group_ensure, sender=self)
