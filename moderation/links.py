"""Links between the admin's moderation pages, so a moderator follows a report from one table to the next."""

from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode


def changelist_link(model: type[Model], text: Any, **query: Any) -> str:
    """A link to `model`'s admin list, filtered by `query` (the list filters' parameters)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(query), text)


def change_link(obj: Model | None, text: Any = None, *, missing: str = "") -> str:
    """A link to `obj`'s admin page; `missing` when the object is gone (an audit row may outlive it)."""
    if obj is None:
        return missing
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj if text is None else text)
