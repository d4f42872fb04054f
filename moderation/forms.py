"""The forms a moderator fills in on an admin action's intermediate page."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
