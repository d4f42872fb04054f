"""
The moderators' console for people and the audit log. Users are the identity
app's model, but everything a moderator does to an account (deactivate,
reactivate) is a moderation action, so their admin lives here; room-scoped
actions (ban from a room) are on the rooms' own admin pages.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from chatroom.images import avatar_clean, file_delete_on_commit
from moderation.actions import ModerationAdminMixin, ReadOnlyRecordsMixin, moderate_each
from moderation.filters import room_filter, user_filter
from moderation.links import change_link, changelist_link
from moderation.models import ModerationAction
from moderation.services import user_deactivate, user_reactivate


class AvatarUploadField(forms.FileField):
    """The admin's avatar upload, verified and re-encoded as the API's are (chatroom.images.avatar_clean)."""

    def to_python(self, data):
        upload = super().to_python(data)
        return avatar_clean(upload) if upload else upload


class BannedFilter(admin.SimpleListFilter):
    title = _("banned from a room")
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        banned_ids = queryset.model.objects.filter(room_bans__isnull=False).values("pk")
        return queryset.filter(pk__in=banned_ids) if self.value() == "yes" else queryset.exclude(pk__in=banned_ids)


@admin.register(User)
class UserAdmin(ModerationAdminMixin, BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "is_staff", "date_joined", "last_login", "links"]
    # A display name can imitate someone else's: staff find people by it too.
    search_fields = [*BaseUserAdmin.search_fields, "display_name"]
    list_filter = ["is_active", "is_staff", "is_superuser", BannedFilter, "date_joined"]
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Chat"), {"fields": ["display_name", "avatar", "deleted_at", "links"]}))
    actions = ["deactivate", "reactivate"]
    formfield_overrides = {models.ImageField: {"form_class": AvatarUploadField}}

    def get_readonly_fields(self, request, obj=None):
        # is_active changes only through the actions: deactivation must also
        # revoke tokens and close sockets, which a plain save would not do.
        readonly = ["links", "deleted_at"]
        if obj is not None:
            readonly += ["is_active", "date_joined", "last_login"]
        return readonly

    def save_model(self, request, obj, form, change):
        """Save, and remove the avatar file the form replaced or cleared (after commit)."""
        previous_avatar = form.initial.get("avatar") if change else None
        super().save_model(request, obj, form, change)
        if "avatar" in form.changed_data:
            file_delete_on_commit(previous_avatar)

    @admin.display(description=_("see"))
    def links(self, user: User) -> str:
        if user.pk is None:
            return ""
        return format_html(
            '<span class="moderation-links">{} · {} · {} · {}</span>',
            changelist_link("rooms.Membership", _("rooms"), user=user.username),
            changelist_link("messaging.Message", _("messages"), author=user.username),
            changelist_link("rooms.RoomBan", _("bans"), user=user.username),
            changelist_link(ModerationAction, _("log"), target=user.username),
        )

    @admin.action(description=_("Deactivate selected users (closes their sockets)"), permissions=["moderate"])
    def deactivate(self, request, queryset):
        def apply(user: User, data: dict) -> None:
            user_deactivate(actor=request.user, user=user, reason=data["reason"])

        return moderate_each(self, request, queryset, title=_("Deactivate users"), apply=apply)

    @admin.action(description=_("Reactivate selected users"), permissions=["moderate"])
    def reactivate(self, request, queryset):
        def apply(user: User, data: dict) -> None:
            user_reactivate(actor=request.user, user=user, reason=data["reason"])

        return moderate_each(self, request, queryset, title=_("Reactivate users"), apply=apply)


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
