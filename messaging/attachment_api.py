"""Attachments REST API: uploading into a room, and fetching a file or thumbnail after the access check."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chatroom.exceptions import NotFound
from chatroom.uploads import UploadLimitMixin
from messaging.attachments import OCTET_STREAM, attachment_for_download, attachment_upload, upload_budget_spend
from messaging.models import Attachment
from messaging.serializers import AttachmentSerializer
from rooms.permissions import RoomScopedView

# On every file the server hands out: never sniffed into something else, never run as a page
# (an image opened on its own, a file a browser would render anyway).
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # The access check answers for this user only: shared caches must not keep it.
    "Cache-Control": "private, max-age=3600",
}


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class AttachmentUploadView(UploadLimitMixin, RoomScopedView):
    """
    POST a multipart `file` to the room: 201 Attachment. Members only (404 before the body is
    read); over CHAT_ATTACHMENT_MAX_BYTES 413 while it streams in (chatroom.uploads); 429
    past the user's upload rate, also before the body is read.
    """

    upload_limit_setting = "CHAT_ATTACHMENT_MAX_BYTES"
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    def post(self, request, room_id):
        upload_budget_spend(user=request.user)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = attachment_upload(user=request.user, room_id=room_id, upload=serializer.validated_data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentFileView(APIView):
    """An attachment's file, to whoever may see it (messaging.attachments.attachment_for_download); 404 otherwise."""

    thumbnail = False

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, attachment_id, name=None):
        attachment = attachment_for_download(user=request.user, attachment_id=attachment_id)
        if self.thumbnail and not attachment.thumbnail:
            raise NotFound("This attachment has no thumbnail.")
        return attachment_response(attachment, thumbnail=self.thumbnail)


class AttachmentThumbnailView(AttachmentFileView):
    thumbnail = True


def attachment_response(attachment: Attachment, *, thumbnail: bool) -> HttpResponse:
    """
    The file as a response: a verified image inline as its own type, anything else as an
    `application/octet-stream` download under its (RFC 5987-encoded) name. Behind nginx
    (CHAT_ATTACHMENT_ACCEL_PREFIX) nginx sends the bytes from its internal location;
    otherwise Django streams them from the storage.
    """
    stored = attachment.thumbnail if thumbnail else attachment.file
    inline = attachment.kind == Attachment.Kind.IMAGE
    content_type = attachment.content_type if inline else OCTET_STREAM
    prefix = settings.CHAT_ATTACHMENT_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(stored.name)
        response["Content-Disposition"] = content_disposition_header(not inline, attachment.name)
    else:
        response = FileResponse(
            stored.open("rb"), content_type=content_type, as_attachment=not inline, filename=attachment.name
        )
    for header, value in FILE_HEADERS.items():
        response[header] = value
    return response
