"""
Upload size limits per endpoint, enforced while the body streams in.

Django reads a multipart body through its upload handlers; the first handler
of a view that takes files (UploadLimitMixin) refuses the request (413) as
soon as its declared length, or the file bytes actually received, pass the
view's limit: nothing past it is read. A 40 MB body to a 2 MiB avatar endpoint
costs the worker nothing. The worker's own ceiling on any request body is
settings.CHAT_MAX_REQUEST_BYTES (chatroom.server); nginx has another in front.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler

from chatroom.exceptions import RequestTooLarge

# Room for the multipart framing and the form's other fields (a name, a description) beside the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class BoundedUploadHandler(FileUploadHandler):
    """Refuse (413) a multipart body whose declared length, or whose files' bytes so far, pass `limit`."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit + FORM_OVERHEAD_BYTES:
            raise RequestTooLarge(self.limit)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise RequestTooLarge(self.limit)
        return raw_data  # on to the handler that stores it

    def file_complete(self, file_size):
        return None  # the next handler returns the file


class UploadLimitMixin:
    """
    For an APIView that takes files: `upload_limit_setting` names the setting
    with its limit in bytes (avatars: CHAT_AVATAR_MAX_BYTES; attachments will
    have their own). Installed before authentication, whose CSRF check may
    read a session-authenticated POST's form.
    """

    upload_limit_setting: str

    def initial(self, request, *args, **kwargs):
        limit = getattr(settings, self.upload_limit_setting)
        request._request.upload_handlers.insert(0, BoundedUploadHandler(request._request, limit))
        super().initial(request, *args, **kwargs)
