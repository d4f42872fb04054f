"""
Attachments: uploads, their binding to a send, who may fetch them, and their end.

An upload (POST rooms/{id}/attachments/) is judged by its first bytes, never
by its name or claimed type: PNG, JPEG, GIF or WebP is an image, decoded and
stored re-encoded without metadata with a thumbnail (chatroom.images); a
broken or oversized image is refused. Anything else is a file, stored as it
came and only ever served as a download. Stored names are random
(messaging.models.AttachmentPath) in their own storage (chatroom.storage),
never under the public MEDIA_URL.

An upload belongs to its uploader until one of their sends in the same room
uses it, within CHAT_UPLOAD_TTL_HOURS; then to the message, and to the room's
members. Deleting the message or the room deletes its files (after commit:
messaging.signals); unused uploads are purged by `manage.py purge_uploads`.
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chatroom.exceptions import Invalid, NotFound, NotMember, RateLimited
from chatroom.images import attachment_image_clean, file_delete_on_commit, looks_like_image
from chatroom.ratelimit import TokenBucket
from messaging.models import Attachment, Message
from rooms.selectors import membership_get

if TYPE_CHECKING:
    from datetime import datetime

    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

NAME_MAX_LENGTH = 255
# A content type as a sender may claim one for a file: type/subtype, nothing else.
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
OCTET_STREAM = "application/octet-stream"


def upload_bucket() -> TokenBucket:
    """Uploads per user, over every worker."""
    return TokenBucket("upload", rate=settings.CHAT_UPLOAD_RATE, burst=settings.CHAT_UPLOAD_BURST)


def upload_budget_spend(*, user: "User") -> None:
    """Count one upload against the user's limit, before its body is read; RateLimited when spent."""
    wait = upload_bucket().hit(user.id)
    if wait:
        raise RateLimited(wait, "Too many uploads; slow down.")


def attachment_name_clean(name: str | None) -> str:
    """
    The sender's file name as shown and offered for download: its last path part, without
    control or format characters (no header splitting, no right-to-left tricks), trimmed,
    at most 255 characters with its extension kept; "file" when nothing is left.
    """
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z") or c == " ").strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: NAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX_LENGTH]
    return name or "file"


def _claimed_content_type(claimed: str | None) -> str:
    """A file's content type as its sender claimed it, when well-formed and not an image's; else octet-stream."""
    value = (claimed or "").split(";", 1)[0].strip().lower()
    if not _CONTENT_TYPE.match(value) or value.startswith("image/"):
        return OCTET_STREAM
    return value


def _with_extension(name: str, extension: str) -> str:
    stem, dot, _ = name.rpartition(".")
    return f"{stem if dot and stem else name}.{extension}"


def attachment_upload(*, user: "User", room_id: int, upload: "UploadedFile") -> Attachment:
    """
    Store an upload for the user in the room (a member: checked again here). Images are
    verified and re-encoded (Invalid when they do not decode or are too large); other
    files are stored as they came. The caller spent the upload budget before reading it.
    """
    membership_get(user=user, room_id=room_id)
    name = attachment_name_clean(upload.name)
    attachment = Attachment(uploader=user, room_id=room_id, name=name)
    if looks_like_image(upload):
        try:
            image = attachment_image_clean(
                upload,
                max_side=settings.CHAT_ATTACHMENT_MAX_SIDE,
                max_pixels=settings.CHAT_ATTACHMENT_MAX_PIXELS,
                thumbnail_side=settings.CHAT_ATTACHMENT_THUMBNAIL_SIZE,
            )
        except ValidationError as exc:
            raise Invalid(fields={"file": exc.messages}) from exc
        attachment.kind = Attachment.Kind.IMAGE
        attachment.name = _with_extension(name, image.extension)
        attachment.content_type = image.content_type
        attachment.size = image.file.size
        attachment.width, attachment.height = image.width, image.height
        contents = [(attachment.file, image.file, f"image.{image.extension}")]
        contents.append((attachment.thumbnail, image.thumbnail, image.thumbnail.name))
    else:
        attachment.kind = Attachment.Kind.FILE
        attachment.content_type = _claimed_content_type(upload.content_type)
        attachment.size = upload.size
        upload.seek(0)
        contents = [(attachment.file, upload, "upload.bin")]
    try:
        for field_file, content, stored_name in contents:
            field_file.save(stored_name, content, save=False)
        attachment.save()
    except BaseException:
        for field_file, _, _ in contents:
            if field_file:
                field_file.storage.delete(field_file.name)
        raise
    return attachment


# --- Sending -----------------------------------------------------------------------------


def attachments_claim(*, sends: Sequence[tuple[Message, Sequence[int]]]) -> tuple[dict[int, Invalid], list[Attachment]]:
    """
    Inside a send's transaction, after its rooms are locked and before its messages are
    numbered: take for each (unsaved) message the attachments its send listed, in that
    order. One query reads (and locks) every attachment the batch names. A message whose
    list names one that is not its author's, of another room, already sent, older than
    CHAT_UPLOAD_TTL_HOURS, or taken by an earlier message of the batch is refused:
    ({index in `sends`: Invalid}, the attachments taken). The room lock serializes every
    send that could take the same upload (an upload is usable in its own room only);
    the row lock holds off a purge. attachments_bind writes them once the messages exist.
    """
    wanted = {attachment_id for _, ids in sends for attachment_id in ids}
    if not wanted:
        return {}, []
    fresh_after = timezone.now() - timedelta(hours=settings.CHAT_UPLOAD_TTL_HOURS)
    free = Attachment.objects.select_for_update().filter(pk__in=wanted, message__isnull=True).in_bulk()
    refused: dict[int, Invalid] = {}
    taken: list[Attachment] = []
    for index, (message, ids) in enumerate(sends):
        found = [free.get(attachment_id) for attachment_id in ids]
        if any(
            a is None
            or a.uploader_id != message.author_id
            or a.room_id != message.room_id
            or a.created_at <= fresh_after
            for a in found
        ):
            refused[index] = Invalid(fields={"attachments": ["No such upload of yours in this room, or used already."]})
            continue
        for position, attachment in enumerate(found):
            del free[attachment.pk]  # used once: a later message of the batch that names it is refused
            attachment.message, attachment.position = message, position
            taken.append(attachment)
    return refused, taken


def attachments_bind(*, messages: Sequence[Message], taken: Sequence[Attachment]) -> None:
    """
    Once the messages are inserted: write their ids onto the attachments they took (one
    UPDATE), and hand every message its list, so that serializing the batch costs no query.
    """
    by_message: dict[int, list[Attachment]] = {}
    for attachment in taken:
        message = attachment.message  # the instance claimed, inserted since: read it before message_id changes
        by_message.setdefault(id(message), []).append(attachment)
        attachment.message_id = message.pk
        attachment.message = message  # setting message_id dropped the cached instance
    if taken:
        Attachment.objects.bulk_update(taken, ["message", "position"])
    for message in messages:
        attachments_cache(message, by_message.get(id(message), []))


def attachments_cache(message: Message, attachments: list[Attachment]) -> None:
    """Give `message.attachments.all()` this list, as prefetch_related would, without a query."""
    cached = Attachment.objects.all()
    cached._result_cache = attachments
    cached._prefetch_done = True
    if not hasattr(message, "_prefetched_objects_cache"):
        message._prefetched_objects_cache = {}
    message._prefetched_objects_cache["attachments"] = cached


# --- Fetching ----------------------------------------------------------------------------


def attachment_for_download(*, user: "User", attachment_id: int) -> Attachment:
    """
    The attachment, if the user may fetch it: its uploader until it is sent, then the
    members of its room (rooms.selectors.membership_get). NotFound for anyone else,
    the same answer as for an id that does not exist.
    """
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    if attachment.message_id is None:
        if attachment.uploader_id != user.id:
            raise NotFound("No such attachment.")
        return attachment
    try:
        membership_get(user=user, room_id=attachment.room_id)
    except NotMember:
        raise NotFound("No such attachment.") from None
    return attachment


# --- The end of attachments --------------------------------------------------------------


def attachment_files_delete(attachment: Attachment) -> None:
    """Delete the attachment's files once the current transaction commits (messaging.signals, on every delete)."""
    file_delete_on_commit(attachment.file)
    file_delete_on_commit(attachment.thumbnail)


def attachments_delete_for_message(*, message: Message) -> int:
    """Delete a (soft-)deleted message's attachments; their files go after commit."""
    deleted, _ = Attachment.objects.filter(message=message).delete()
    return deleted


# Rows deleted per transaction by a purge.
PURGE_BATCH = 500


def attachments_purge_unused(*, created_before: "datetime") -> int:
    """Delete uploads never sent and created before `created_before`, with their files; return how many."""
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                Attachment.objects.filter(message__isnull=True, created_at__lt=created_before)
                .order_by("id")
                .values_list("id", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                return purged
            # select_for_update waits for a send binding one of them; a row it bound meanwhile stays.
            doomed = Attachment.objects.select_for_update().filter(pk__in=ids, message__isnull=True)
            deleted, _ = Attachment.objects.filter(pk__in=list(doomed.values_list("pk", flat=True))).delete()
            purged += deleted
