"""List filters the moderation admins share."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class InputFilter(admin.SimpleListFilter):
    """
    A filter typed into a box. Rooms and users are too many to list in the
    sidebar as Django's related-field filters do; each row's room and author
    also link to the list filtered by them.
    """

    template = "admin/moderation/input_filter.html"
    # The lookup the typed value goes into ("room_id", "author__username__iexact"), and how to read it.
    lookup: str
    cast: Callable[[str], Any] = str

    def lookups(self, request, model_admin):
        return [("", "")]  # never shown (see choices); SimpleListFilter hides a filter without lookups

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            value = self.cast(self.value().strip())
        except ValueError:
            return queryset.none()
        return queryset.filter(**{self.lookup: value})

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}

    def choices(self, changelist):
        # One entry: "All" (this filter removed), with the other parameters the box's form must keep.
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
            "keep": [(k, v) for k, v in changelist.params.items() if k != self.parameter_name],
        }


def input_filter(title: str, parameter_name: str, lookup: str, cast: Callable[[str], Any] = str) -> type[InputFilter]:
    """An InputFilter on `lookup`, read from the `parameter_name` query parameter."""
    attrs = {"title": title, "parameter_name": parameter_name, "lookup": lookup, "cast": staticmethod(cast)}
    return type(f"{parameter_name.title()}InputFilter", (InputFilter,), attrs)


def _row_id(text: str) -> int:
    """An id as typed: a positive integer that fits a BIGINT column, or ValueError."""
    value = int(text)
    if not 0 < value < 2**63:
        raise ValueError(text)
    return value


def room_filter(path: str = "room") -> type[InputFilter]:
    """Filter by room id, through the foreign key at `path`."""
    return input_filter(_("room id"), "room", f"{path}_id", _row_id)


def user_filter(parameter_name: str, path: str, title: str) -> type[InputFilter]:
    """Filter by username (any case), through the foreign key at `path`."""
    return input_filter(title, parameter_name, f"{path}__username__iexact")
