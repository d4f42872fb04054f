from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import locale, schema, signals  # noqa: F401  (the user's language; the schema extension; the auth-failure log, session-end closes)
