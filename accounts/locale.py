"""
A signed-in person's language is theirs, not the browser's (README, "Languages"): chosen with
the switcher, it is saved on the user (accounts.views.language_set); at sign-in, and on any
browser whose language cookie says otherwise, the user's language wins and the cookie follows.
A user who never chose one (blank) follows the cookie or Accept-Language, as LocaleMiddleware does;
a choice made before signing in is kept on the account at sign-in.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from accounts.services import user_language_set


def set_language_cookie(response, language: str) -> None:
    """The cookie as Django's set_language writes it (same name, age, path and flags)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


class UserLanguageMiddleware(MiddlewareMixin):
    """After AuthenticationMiddleware: apply the signed-in user's language where the cookie differs."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        language = getattr(user, "language", "")
        if language and _supported(language) and language != request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate(language)
            request.LANGUAGE_CODE = language
            request.user_language_to_remember = language

    def process_response(self, request, response):
        language = getattr(request, "user_language_to_remember", None)
        # A response that sets the cookie itself (the switcher's) has the newer choice.
        if language and settings.LANGUAGE_COOKIE_NAME not in response.cookies:
            set_language_cookie(response, language)
        return response


@receiver(user_logged_in, dispatch_uid="accounts.locale.apply_user_language")
def apply_user_language(sender, request, user, **kwargs):
    """On sign-in: the account's language for this response and the cookie, or keep the one chosen before."""
    if request is None:
        return
    language = getattr(user, "language", "")
    if language and _supported(language):
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.user_language_to_remember = language
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if _supported(chosen):
        user_language_set(user=user, language=chosen)
