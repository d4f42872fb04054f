from django.urls import path

from messaging import api

urlpatterns = [
    path("rooms/<int:room_id>/messages/", api.MessageListView.as_view(), name="message-list"),
    path("rooms/<int:room_id>/messages/<int:message_id>/", api.MessageDetailView.as_view(), name="message-detail"),
    path("rooms/<int:room_id>/read/", api.ReadView.as_view(), name="room-read"),
]
