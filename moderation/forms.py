"""The forms a moderator fills in on an admin action's intermediate page."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from rooms.models import Room, RoomBan


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the moderation log with the action."),
    )


class ChatQueryForm(forms.Form):
    """The query of a room's chat page: optionally, the message to centre it on."""

    around = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class RoomReasonForm(ReasonForm):
    """A reason and the room to act in, picked by name with the admin's autocomplete."""

    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.all(),
        # Rooms are too many for a <select>: search them by name, as a ban's room field would.
        widget=AutocompleteSelect(RoomBan._meta.get_field("room"), admin.site),
    )

    field_order = ["room", "reason"]
