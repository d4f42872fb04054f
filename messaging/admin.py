from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from messaging.attachment_api import attachment_response
from messaging.models import Attachment, Message, MessageEdit, Reaction
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


def attachment_preview(attachment: Attachment) -> str:
    """A thumbnail (images) or the file's name, linking to the file, both served by the staff-only views below."""
    file_url = reverse("admin:messaging_attachment_file", args=[attachment.pk])
    if attachment.thumbnail:
        thumbnail_url = reverse("admin:messaging_attachment_thumbnail", args=[attachment.pk])
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="{}" height="{}" loading="lazy"></a>',
            file_url,
            thumbnail_url,
            attachment.name,
            *_preview_size(attachment),
        )
    return format_html('<a href="{}">{}</a>', file_url, attachment.name)


def _preview_size(attachment: Attachment, longest: int = 120) -> tuple[int, int]:
    width, height = attachment.width or longest, attachment.height or longest
    scale = min(1, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class AttachmentInline(ReadOnlyInline):
    """The message's files, with thumbnails; deleting the message (soft) deletes them."""

    model = Attachment
    fields = ["preview", "name", "kind", "size_column", "content_type", "uploader"]
    readonly_fields = fields

    @admin.display(description=_("preview"))
    def preview(self, attachment: Attachment) -> str:
        return attachment_preview(attachment)

    @admin.display(description=_("size"))
    def size_column(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploader")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyRecordsMixin, admin.ModelAdmin):
    """
    Every upload, sent or not, for moderators: what, how large, by whom, where. Read-only:
    an attachment goes with its message (delete the message) or, unsent, after 24 hours.
    Its file and thumbnail are served to staff who may view attachments by the views here,
    with the same headers as to members (messaging.attachment_api).
    """

    list_display = ["id", "created_at", "preview", "name", "kind", "size_column", "content_type", "uploader_column",
                    "room_column", "message_column"]  # fmt: skip
    list_display_links = ["id"]
    list_select_related = ["uploader", "room"]
    list_filter = ["kind", "created_at", room_filter(), user_filter("uploader", "uploader", _("uploader username"))]
    search_fields = ["name", "=uploader__username"]
    search_help_text = _("Part of the file's name, or an exact username.")
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    fields = ["id", "preview", "name", "kind", "size_column", "content_type", "width", "height", "uploader", "room",
              "message_column", "created_at"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("preview"))
    def preview(self, attachment: Attachment) -> str:
        return attachment_preview(attachment)

    @admin.display(description=_("size"), ordering="size")
    def size_column(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    @admin.display(description=_("uploader"), ordering="uploader__username")
    def uploader_column(self, attachment: Attachment) -> str:
        return changelist_link(Attachment, attachment.uploader, uploader=attachment.uploader.username)

    @admin.display(description=_("room"), ordering="room__name")
    def room_column(self, attachment: Attachment) -> str:
        return changelist_link(Attachment, attachment.room, room=attachment.room_id)

    @admin.display(description=_("message"))
    def message_column(self, attachment: Attachment) -> str:
        if attachment.message_id is None:
            return _("not sent")
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:messaging_message_change", args=[attachment.message_id]),
            attachment.message_id,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:attachment_id>/file/", view(self.file_view), name="messaging_attachment_file"),
            path("<int:attachment_id>/thumbnail/", view(self.thumbnail_view), name="messaging_attachment_thumbnail"),
            *super().get_urls(),
        ]

    def file_view(self, request, attachment_id: int):
        return attachment_response(self._attachment(request, attachment_id), thumbnail=False)

    def thumbnail_view(self, request, attachment_id: int):
        attachment = self._attachment(request, attachment_id)
        if not attachment.thumbnail:
            raise Http404
        return attachment_response(attachment, thumbnail=True)

    def _attachment(self, request, attachment_id: int) -> Attachment:
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = Attachment.objects.filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404
        return attachment


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
    inlines = [MessageEditInline, ReactionInline, AttachmentInline]
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
