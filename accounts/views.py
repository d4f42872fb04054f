"""Login and registration pages (session authentication, as Django does it); logout is Django's own view."""

import math

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django.views.i18n import set_language

from accounts.forms import RegisterForm
from accounts.services import user_language_set
from accounts.throttling import LOCKOUT_REASON, lockout_seconds, login_attempt_wait, registration_attempt_wait


def sign_in_paused(request: HttpRequest, *, message: str, seconds: int) -> HttpResponse:
    """A refused sign-in where no form can be shown (the admin, a lockout): 429, the reason, when to retry."""
    response = render(
        request, "accounts/sign_in_paused.html", {"message": message, "retry_path": request.get_full_path()}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def lockout_response(request: HttpRequest, *_ignored) -> HttpResponse:
    """
    AXES_LOCKOUT_CALLABLE: the page or admin sign-in of a username locked out at this
    address. Axes passes the view's response and the credentials, in an order that
    differs between its sync and async paths; neither is needed here.
    """
    seconds = lockout_seconds()
    retry = _("Try again in %(minutes)d minutes.") % {"minutes": math.ceil(seconds / 60)}
    return sign_in_paused(request, message=f"{LOCKOUT_REASON} {retry}", seconds=seconds)


def attempts_throttled_message(seconds: int) -> str:
    return _("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": seconds}


class AuthThrottleMixin:
    """Refuse a form POST with 429 once the address used up its rate (`attempt_wait`), as the REST endpoints do."""

    attempt_wait = staticmethod(login_attempt_wait)

    def post(self, request, *args, **kwargs):
        seconds = self.attempt_wait(request)
        if seconds is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating the attempt would run the password hasher the throttle is there to spare.
        kwargs = self.get_form_kwargs()
        kwargs.pop("data", None)
        kwargs.pop("files", None)
        kwargs["initial"] = {"username": request.POST.get("username", "")}
        context = self.get_context_data(
            form=self.get_form_class()(**kwargs),
            throttled=attempts_throttled_message(seconds),
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(seconds)
        return response


class LoginPageView(AuthThrottleMixin, auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class RegisterPageView(AuthThrottleMixin, FormView):
    template_name = "accounts/register.html"
    form_class = RegisterForm
    attempt_wait = staticmethod(registration_attempt_wait)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.register()
        if user is None:
            return self.form_invalid(form)
        # The password was just set: no backend checked it, so name the one that loads the user.
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        next_url = self.request.POST.get("next") or self.request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return next_url
        return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language (cookie, redirect to `next`), and saved on a signed-in user."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response
