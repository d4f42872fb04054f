from django.urls import path

from messaging import api, attachment_api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("rooms/<id:room_id>/messages/", api.MessageListView.as_view(), name="message-list"),
    path("rooms/<id:room_id>/messages/<id:message_id>/", api.MessageDetailView.as_view(), name="message-detail"),
    path(
        "rooms/<id:room_id>/messages/<id:message_id>/reactions/<str:emoji>/",
        api.ReactionView.as_view(),
        name="message-reaction",
    ),
    path("rooms/<id:room_id>/changes/", api.ChangesView.as_view(), name="room-changes"),
    path("rooms/<id:room_id>/read/", api.ReadView.as_view(), name="room-read"),
    path("search/", api.SearchView.as_view(), name="message-search"),
    path("rooms/<id:room_id>/attachments/", attachment_api.AttachmentUploadView.as_view(), name="attachment-upload"),
    path(
        "attachments/<id:attachment_id>/thumbnail/",
        attachment_api.AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
    path(
        "attachments/<id:attachment_id>/<str:name>", attachment_api.AttachmentFileView.as_view(), name="attachment-file"
    ),
]
