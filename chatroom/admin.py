"""The project's admin site: Django's, with the sign-in limits every other login path has."""

from django.contrib import admin

from accounts.throttling import login_attempt_wait
from accounts.views import attempts_throttled_message, sign_in_paused


class ChatAdminSite(admin.AdminSite):
    """Its login counts against the per-address sign-in throttle; axes locks out per username and address."""

    def login(self, request, extra_context=None):
        if request.method == "POST" and (seconds := login_attempt_wait(request)) is not None:
            return sign_in_paused(request, message=attempts_throttled_message(seconds), seconds=seconds)
        return super().login(request, extra_context)
