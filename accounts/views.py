"""Login and registration pages (session authentication, as Django does it); logout is Django's own view."""

import math

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.forms import RegisterForm
from accounts.throttling import auth_attempt_wait


class AuthThrottleMixin:
    """Refuse a form POST with 429 once the address used up its `auth` rate, as the REST login does."""

    def post(self, request, *args, **kwargs):
        wait = auth_attempt_wait(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        seconds = math.ceil(wait)
        # An unbound form: validating the attempt would run the password hasher the throttle is there to spare.
        kwargs = self.get_form_kwargs()
        kwargs.pop("data", None)
        kwargs.pop("files", None)
        kwargs["initial"] = {"username": request.POST.get("username", "")}
        context = self.get_context_data(
            form=self.get_form_class()(**kwargs),
            throttled=_("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": seconds},
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

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.register()
        if user is None:
            return self.form_invalid(form)
        login(self.request, user)
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        next_url = self.request.POST.get("next") or self.request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return next_url
        return resolve_url(settings.LOGIN_REDIRECT_URL)
