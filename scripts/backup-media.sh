#!/bin/sh
# Back up the uploaded files (avatars; attachments later) kept in MEDIA_ROOT.
#
#   MEDIA_ROOT         the media directory (default: /app/media, the image's)
#   BACKUP_DIR         where archives go (media/ below it), kept BACKUP_KEEP_DAYS days (14)
#   MEDIA_SYNC_TARGET  instead of archives: an rsync destination (host:/path, or a directory)
#                      kept as an exact copy of the media
#
# Extension point: media in S3 (issue 13) are backed up by the bucket's own means
# (versioning, replication, or `rclone sync`/`aws s3 sync` to another bucket), not
# by this script: it then has no local directory to copy and says so.
set -eu
media=${MEDIA_ROOT:-/app/media}
keep_days=${BACKUP_KEEP_DAYS:-14}

if [ ! -d "$media" ]; then
	echo "backup-media: no local media directory at $media (media in object storage: back up the bucket)" >&2
	exit 0
fi
if [ -n "${MEDIA_SYNC_TARGET:-}" ]; then
	rsync -a --delete "$media/" "$MEDIA_SYNC_TARGET"
	echo "backup-media: $media synced to $MEDIA_SYNC_TARGET"
	exit 0
fi

: "${BACKUP_DIR:?}"
mkdir -p "$BACKUP_DIR/media"
name="media-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
tar -C "$media" -czf "$BACKUP_DIR/media/.$name.partial" .
mv "$BACKUP_DIR/media/.$name.partial" "$BACKUP_DIR/media/$name"
echo "backup-media: $BACKUP_DIR/media/$name"
if [ "$keep_days" -gt 0 ]; then
	find "$BACKUP_DIR/media" -name 'media-*.tar.gz' -type f -mtime "+$((keep_days - 1))" -print -delete |
		sed 's/^/backup-media: deleted /'
fi
