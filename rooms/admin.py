from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from messaging.models import Message
from messaging.selectors import room_history
from moderation.actions import ModerationAdminMixin, ReadOnlyRecordsMixin, moderate_each
from moderation.filters import room_filter, user_filter
from moderation.forms import ChatQueryForm, ReasonForm
from moderation.links import change_link, changelist_link, room_history_link
from moderation.models import ModerationAction
from moderation.selectors import user_may_moderate
from rooms import services
from rooms.models import Membership, Room, RoomBan

# Messages the history page shows: enough to judge a report in context.
HISTORY_LENGTH = 200


class UserReasonForm(ReasonForm):
    """A reason and the user to act on, picked by username with the admin's autocomplete."""

    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=get_user_model().objects.all(),
        # Users are too many for a <select>: search them by name, as a ban's user field would.
        widget=AutocompleteSelect(RoomBan._meta.get_field("user"), admin.site),
    )

    field_order = ["user", "reason"]


class MembershipInline(admin.TabularInline):
    """The room's members, read-only: joining, roles and removal go through the services."""

    model = Membership
    fields = ["user", "role", "joined_at", "last_read_message_id", "hidden"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "room")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Room)
class RoomAdmin(ReadOnlyRecordsMixin, ModerationAdminMixin, admin.ModelAdmin):
    """
    Rooms are read-only here: members create and edit them; moderators rotate
    their invite codes or delete them through the services, which tell clients.
    """

    list_display = ["id", "name", "kind", "owner", "member_count", "created_at", "links"]
    list_display_links = ["id", "name"]
    list_select_related = ["owner"]
    list_filter = ["kind", "created_at"]
    search_fields = ["name", "=owner__username", "=invite_code"]
    search_help_text = _("Part of a room's name, its owner's exact username, or an exact invite code.")
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    fields = ["id", "kind", "name", "description", "avatar", "owner", "invite_code", "created_at", "links"]
    readonly_fields = fields
    inlines = [MembershipInline]
    actions = ["rotate_invite", "delete_rooms", "ban_user", "unban_user"]

    def get_queryset(self, request):
        members = Membership.objects.filter(room_id=OuterRef("pk")).order_by().values("room_id")
        count = members.annotate(n=Count("id")).values("n")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Coalesce(Subquery(count), 0, output_field=IntegerField()))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, room: Room) -> int:
        return room.member_count

    @admin.display(description=_("see"))
    def links(self, room: Room) -> str:
        return format_html(
            '<span class="moderation-links">{} · {} · {} · {} · {}</span>',
            room_history_link(room.id),
            changelist_link(Message, _("messages"), room=room.id),
            changelist_link(Membership, _("members"), room=room.id),
            changelist_link(RoomBan, _("bans"), room=room.id),
            changelist_link(ModerationAction, _("log"), room=room.id),
        )

    @admin.action(description=_("Rotate invite codes of selected rooms"), permissions=["moderate"])
    def rotate_invite(self, request, queryset):
        def apply(room: Room, data: dict) -> None:
            services.invite_rotate(actor=request.user, room_id=room.id, reason=data["reason"], as_staff=True)

        return moderate_each(self, request, queryset, title=_("Rotate invite codes"), apply=apply)

    @admin.action(description=_("Delete selected rooms (tells their members)"), permissions=["moderate"])
    def delete_rooms(self, request, queryset):
        def apply(room: Room, data: dict) -> None:
            services.room_delete(actor=request.user, room_id=room.id, reason=data["reason"], as_staff=True)

        return moderate_each(self, request, queryset, title=_("Delete rooms"), apply=apply)

    @admin.action(description=_("Ban a user from selected rooms"), permissions=["moderate"])
    def ban_user(self, request, queryset):
        def apply(room: Room, data: dict) -> None:
            services.member_ban(
                actor=request.user, room_id=room.id, user_id=data["user"].id, reason=data["reason"], as_staff=True
            )

        return moderate_each(self, request, queryset, title=_("Ban a user"), apply=apply, form_class=UserReasonForm)

    @admin.action(description=_("Unban a user from selected rooms"), permissions=["moderate"])
    def unban_user(self, request, queryset):
        def apply(room: Room, data: dict) -> None:
            services.member_unban(
                actor=request.user, room_id=room.id, user_id=data["user"].id, reason=data["reason"], as_staff=True
            )

        return moderate_each(self, request, queryset, title=_("Unban a user"), apply=apply, form_class=UserReasonForm)

    # --- The room's history -------------------------------------------------

    def get_urls(self):
        chat = self.admin_site.admin_view(self.chat_view)
        # Not <id>/history/: that is the admin's own change log of the object.
        return [path("<id:room_id>/chat/", chat, name="rooms_room_chat"), *super().get_urls()]

    def chat_view(self, request, room_id: int):
        """The room's recent messages, deleted ones included and marked, to judge a report in context."""
        room = get_object_or_404(Room.objects.select_related("owner"), pk=room_id)
        query = ChatQueryForm(request.GET)
        if not query.is_valid():
            raise Http404("No such message.")
        around = query.cleaned_data["around"]
        if not self.has_view_permission(request, room):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Chat in %(room)s") % {"room": room},
            "opts": self.opts,
            "media": self.media,
            "room": room,
            "around": around,
            "chat": room_history(room_id=room.id, around=around, limit=HISTORY_LENGTH),
            "history_length": HISTORY_LENGTH,
            "may_moderate": user_may_moderate(request.user),
            "message_changelist": reverse("admin:messaging_message_changelist"),
            "links": self.links(room),
        }
        return TemplateResponse(request, "admin/moderation/room_history.html", context)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyRecordsMixin, ModerationAdminMixin, admin.ModelAdmin):
    """Who is in which room; read-only, kicks and bans through the services."""

    list_display = ["user", "room_column", "role", "joined_at"]
    list_select_related = ["user", "room"]
    list_filter = ["role", room_filter(), user_filter("user", "user", _("username")), "joined_at"]
    search_fields = ["=user__username", "room__name"]
    search_help_text = _("An exact username or part of a room's name.")
    ordering = ["-id"]
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = ["room", "user", "role", "joined_at", "last_read_message_id"]
    actions = ["kick", "ban"]

    @admin.display(description=_("room"), ordering="room__name")
    def room_column(self, membership: Membership) -> str:
        return change_link(membership.room)

    @admin.action(description=_("Kick selected members from their rooms"), permissions=["moderate"])
    def kick(self, request, queryset):
        def apply(membership: Membership, data: dict) -> None:
            services.member_kick(
                actor=request.user,
                room_id=membership.room_id,
                user_id=membership.user_id,
                reason=data["reason"],
                as_staff=True,
            )

        return moderate_each(self, request, queryset, title=_("Kick members"), apply=apply)

    @admin.action(description=_("Ban selected members from their rooms"), permissions=["moderate"])
    def ban(self, request, queryset):
        def apply(membership: Membership, data: dict) -> None:
            services.member_ban(
                actor=request.user,
                room_id=membership.room_id,
                user_id=membership.user_id,
                reason=data["reason"],
                as_staff=True,
            )

        return moderate_each(self, request, queryset, title=_("Ban members"), apply=apply)


@admin.register(RoomBan)
class RoomBanAdmin(ReadOnlyRecordsMixin, ModerationAdminMixin, admin.ModelAdmin):
    """Bans, read-only; banning happens on users or members, lifting here, both through the services."""

    list_display = ["user", "room_column", "banned_by", "created_at"]
    list_select_related = ["user", "room", "banned_by"]
    list_filter = [room_filter(), user_filter("user", "user", _("username")), "created_at"]
    search_fields = ["=user__username", "room__name"]
    search_help_text = _("An exact username or part of a room's name.")
    ordering = ["-id"]
    list_per_page = 100
    readonly_fields = ["room", "user", "banned_by", "created_at"]
    actions = ["unban"]

    @admin.display(description=_("room"), ordering="room__name")
    def room_column(self, ban: RoomBan) -> str:
        return change_link(ban.room)

    @admin.action(description=_("Lift selected bans"), permissions=["moderate"])
    def unban(self, request, queryset):
        def apply(ban: RoomBan, data: dict) -> None:
            services.member_unban(
                actor=request.user, room_id=ban.room_id, user_id=ban.user_id, reason=data["reason"], as_staff=True
            )

        return moderate_each(self, request, queryset, title=_("Lift bans"), apply=apply)
