from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from moderation.actions import ModerationAdminMixin, ReadOnlyRecordsMixin
from moderation.filters import room_filter, user_filter
from moderation.links import change_link
from moderation.models import ModerationAction


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyRecordsMixin, ModerationAdminMixin, admin.ModelAdmin):
    """The audit log: written only by the moderation services, never edited."""

    list_display = ["created_at", "actor_column", "authority", "action", "target_column", "reason_excerpt"]
    list_display_links = ["created_at"]
    list_select_related = ["actor", "target_user"]
    list_filter = [
        "action",
        "authority",
        "created_at",
        user_filter("actor", "actor", _("moderator username")),
        user_filter("target", "target_user", _("target username")),
        room_filter(),
    ]
    search_fields = ["target", "reason", "=actor__username"]
    search_help_text = _("Part of the target's description or the reason, or a moderator's exact username.")
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    fields = ["created_at", "actor", "authority", "action", "target_user", "room", "message", "target", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Rooms and messages may be gone: joined in, filtering by room_id would
        # turn the join into an INNER one and hide the rows of deleted rooms.
        return super().get_queryset(request).prefetch_related("room", "message")

    @admin.display(description=_("who"), ordering="actor__username")
    def actor_column(self, entry: ModerationAction) -> str:
        return change_link(entry.actor, missing=f"#{entry.actor_id}")

    @admin.display(description=_("target"))
    def target_column(self, entry: ModerationAction) -> str:
        # The live object when it still exists, else what it was.
        live = entry.message or entry.room or entry.target_user
        return change_link(live, entry.target, missing=entry.target)

    @admin.display(description=_("reason"))
    def reason_excerpt(self, entry: ModerationAction) -> str:
        return Truncator(entry.reason).chars(80)
