"""
How the admin's moderation actions run: each asks for a reason on an
intermediate page, then calls the same service as REST and WebSocket once per
selected object, so its effects reach connected clients and the audit log.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import model_ngettext
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from chatroom.exceptions import ChatError
from moderation.forms import ReasonForm
from moderation.selectors import user_may_moderate

# Objects named on the intermediate page; the rest are counted.
LISTED_OBJECTS = 50


class ModerationAdminMixin:
    """
    For the moderation admins: their stylesheet, and the permission their
    actions declare with `permissions=["moderate"]` (moderation.selectors).
    """

    class Media:
        css = {"all": ["moderation/admin.css"]}

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return user_may_moderate(request.user)


class ReadOnlyRecordsMixin:
    """Records change only through services (live effects, audit rows): the admin shows them, never edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def moderate_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    apply: Callable[[Any, dict], None],
    form_class: type[ReasonForm] = ReasonForm,
) -> TemplateResponse | None:
    """
    Show `form_class` for the selected objects; once submitted and valid, call
    `apply(obj, cleaned_data)` (a service call) for each and report what was
    done and what the services refused. None sends the admin back to the list.
    """
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        objects = list(queryset[: LISTED_OBJECTS + 1])
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": modeladmin.model._meta,
            "form": form,
            "media": modeladmin.media + form.media,
            "objects": objects[:LISTED_OBJECTS],
            "more": queryset.count() - LISTED_OBJECTS if len(objects) > LISTED_OBJECTS else 0,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/action_form.html", context)
    done, refused = 0, []
    for obj in queryset:
        try:
            apply(obj, form.cleaned_data)
        except ChatError as error:
            refused.append(f"{obj}: {error.detail}")
        else:
            done += 1
    if done:
        done_message = _("%(title)s: done for %(n)d %(objects)s.")
        modeladmin.message_user(
            request, done_message % {"title": title, "n": done, "objects": model_ngettext(modeladmin.opts, done)}
        )
    if refused:
        modeladmin.message_user(request, _("Refused: %s") % "; ".join(refused), messages.WARNING)
    return None
