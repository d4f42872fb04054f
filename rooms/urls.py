from django.urls import path

from rooms import api

urlpatterns = [
    path("rooms/", api.RoomListView.as_view(), name="room-list"),
    path("rooms/join/", api.RoomJoinView.as_view(), name="room-join"),
    path("rooms/<id:room_id>/", api.RoomDetailView.as_view(), name="room-detail"),
    path("rooms/<id:room_id>/leave/", api.RoomLeaveView.as_view(), name="room-leave"),
    path("rooms/<id:room_id>/invite/", api.RoomInviteView.as_view(), name="room-invite"),
    path("rooms/<id:room_id>/members/", api.MemberListView.as_view(), name="member-list"),
    path("rooms/<id:room_id>/members/<id:user_id>/", api.MemberDetailView.as_view(), name="member-detail"),
    path("rooms/<id:room_id>/members/<id:user_id>/kick/", api.MemberKickView.as_view(), name="member-kick"),
    path("rooms/<id:room_id>/members/<id:user_id>/ban/", api.MemberBanView.as_view(), name="member-ban"),
    path("rooms/<id:room_id>/bans/", api.BanListView.as_view(), name="ban-list"),
    path("dms/", api.DirectOpenView.as_view(), name="direct-open"),
    path("rooms/<id:room_id>/bans/<id:user_id>/", api.BanDetailView.as_view(), name="ban-detail"),
]
