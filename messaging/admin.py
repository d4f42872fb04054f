from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from messaging.models import Message, MessageEdit, Reaction
from messaging.services import message_delete
from moderation.actions import ModerationAdminMixin, ReadOnlyRecordsMixin, moderate_each
from moderation.filters import room_filter, user_filter
from moderation.links import change_link, changelist_link, room_history_link


class DeletedFilter(admin.SimpleListFilter):
    title = _("deleted")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their message, never added, changed or removed here."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageEditInline(ReadOnlyInline):
    """Every earlier version of the body, oldest first: what the author wrote before each edit."""

    model = MessageEdit
    fields = ["body", "written_at", "replaced_at"]
    readonly_fields = fields


class ReactionInline(ReadOnlyInline):
    model = Reaction
    fields = ["emoji", "user", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Message)
class MessageAdmin(ReadOnlyRecordsMixin, ModerationAdminMixin, admin.ModelAdmin):
    """
    Messages are the record: read-only here, with their earlier versions and
    reactions; moderation deletes them through message_delete (a tombstone with
    a new seq, pushed live), and never rewrites them.
    """

    list_display = ["id", "created_at", "room_column", "author_column", "excerpt", "is_deleted", "context"]
    list_display_links = ["id"]
    list_select_related = ["room", "author"]
    list_filter = [DeletedFilter, "created_at", room_filter(), user_filter("author", "author", _("author username"))]
    search_fields = ["body", "=author__username", "room__name"]
    search_help_text = _("Words of the message, an exact username, or part of a room's name.")
    ordering = ["-id"]
    list_per_page = 100
    # A count of the whole table on every page is slow on a large one.
    show_full_result_count = False
    fields = [
        "id",
        "room",
        "author",
        "body",
        "html",
        "mentions",
        "reply_to_column",
        "created_at",
        "edited_at",
        "client_id",
        "deleted_at",
        "seq",
        "context",
    ]
    readonly_fields = fields
    inlines = [MessageEditInline, ReactionInline]
    actions = ["soft_delete"]

    @admin.display(description=_("reply to"))
    def reply_to_column(self, message: Message) -> str:
        return change_link(message.reply_to)

    @admin.display(description=_("room"), ordering="room__name")
    def room_column(self, message: Message) -> str:
        return changelist_link(Message, message.room, room=message.room_id)

    @admin.display(description=_("author"), ordering="author__username")
    def author_column(self, message: Message) -> str:
        return changelist_link(Message, message.author, author=message.author.username)

    @admin.display(description=_("body"))
    def excerpt(self, message: Message) -> str:
        return Truncator(message.body).chars(100)

    @admin.display(description=_("deleted"), boolean=True, ordering="deleted_at")
    def is_deleted(self, message: Message) -> bool:
        return message.deleted_at is not None

    @admin.display(description=_("context"))
    def context(self, message: Message) -> str:
        return room_history_link(message.room_id, around=message.id)

    @admin.action(description=_("Delete selected messages (soft; tells connected clients)"), permissions=["moderate"])
    def soft_delete(self, request, queryset):
        def apply(message: Message, data: dict) -> None:
            message_delete(
                actor=request.user, room_id=message.room_id, message_id=message.id, reason=data["reason"], as_staff=True
            )

        return moderate_each(self, request, queryset, title=_("Delete messages"), apply=apply)
