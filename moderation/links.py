"""Links between the admin's moderation pages, so a moderator follows a report from one table to the next."""

from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


def _admin_name(model: type[Model] | str) -> str:
    """`app_label_modelname` of a model class, or of an "app_label.ModelName" label (no import of another app)."""
    if isinstance(model, str):
        app_label, model_name = model.split(".")
        return f"{app_label}_{model_name.lower()}"
    return f"{model._meta.app_label}_{model._meta.model_name}"


def changelist_link(model: type[Model] | str, text: Any, **query: Any) -> str:
    """A link to `model`'s admin list, filtered by `query` (the list filters' parameters)."""
    url = reverse(f"admin:{_admin_name(model)}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(query), text)


def change_link(obj: Model | None, text: Any = None, *, missing: str = "") -> str:
    """A link to `obj`'s admin page; `missing` when the object is gone (an audit row may outlive it)."""
    if obj is None:
        return missing
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj if text is None else text)


def room_history_link(room_id: int, *, around: int | None = None) -> str:
    """A link to the staff-only history of a room, centred on a message when `around` is given."""
    url = reverse("admin:rooms_room_chat", args=[room_id])
    if around is not None:
        return format_html('<a href="{}?around={}#m{}">{}</a>', url, around, around, _("in context"))
    return format_html('<a href="{}">{}</a>', url, _("chat"))
