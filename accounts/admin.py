from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_deactivate, user_reactivate
from messaging.models import Message
from moderation.actions import ModerationAdminMixin, moderate_each
from moderation.forms import RoomReasonForm
from moderation.links import changelist_link
from moderation.models import ModerationAction
from rooms.models import Membership, RoomBan
from rooms.services import member_ban, member_unban


class BannedFilter(admin.SimpleListFilter):
    title = _("banned from a room")
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        banned = Exists(RoomBan.objects.filter(user=OuterRef("pk")))
        return queryset.filter(banned if self.value() == "yes" else ~banned)


@admin.register(User)
class UserAdmin(ModerationAdminMixin, BaseUserAdmin):
    list_display = ["username", "is_active", "is_staff", "date_joined", "last_login", "links"]
    list_filter = ["is_active", "is_staff", "is_superuser", BannedFilter, "date_joined"]
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Chat"), {"fields": ["avatar", "links"]}))
    actions = ["deactivate", "reactivate", "ban_from_room", "unban_from_room"]

    def get_readonly_fields(self, request, obj=None):
        # is_active changes only through the actions: deactivation must also
        # revoke tokens and close sockets, which a plain save would not do.
        readonly = ["links"]
        if obj is not None:
            readonly += ["is_active", "date_joined", "last_login"]
        return readonly

    @admin.display(description=_("see"))
    def links(self, user: User) -> str:
        if user.pk is None:
            return ""
        return format_html(
            '<span class="moderation-links">{} · {} · {} · {}</span>',
            changelist_link(Membership, _("rooms"), user=user.username),
            changelist_link(Message, _("messages"), author=user.username),
            changelist_link(RoomBan, _("bans"), user=user.username),
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

    @admin.action(description=_("Ban selected users from a room"), permissions=["moderate"])
    def ban_from_room(self, request, queryset):
        def apply(user: User, data: dict) -> None:
            member_ban(
                actor=request.user, room_id=data["room"].id, user_id=user.id, reason=data["reason"], as_staff=True
            )

        return moderate_each(
            self, request, queryset, title=_("Ban from a room"), apply=apply, form_class=RoomReasonForm
        )

    @admin.action(description=_("Unban selected users from a room"), permissions=["moderate"])
    def unban_from_room(self, request, queryset):
        def apply(user: User, data: dict) -> None:
            member_unban(
                actor=request.user, room_id=data["room"].id, user_id=user.id, reason=data["reason"], as_staff=True
            )

        return moderate_each(
            self, request, queryset, title=_("Unban from a room"), apply=apply, form_class=RoomReasonForm
        )
