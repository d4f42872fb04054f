#!/bin/sh
# Back up the uploaded files kept on local disk: avatars (MEDIA_ROOT) and attachments
# (ATTACHMENT_ROOT), each to its own archive or sync target.
#
#   MEDIA_ROOT         the media directory (default: /app/media, the image's)
#   ATTACHMENT_ROOT    the attachments directory (default: /app/attachments, the image's)
#   BACKUP_DIR         where archives go (media/ and attachments/ below it), kept BACKUP_KEEP_DAYS days (14)
#   MEDIA_SYNC_TARGET  instead of archives: an rsync destination (host:/path, or a directory);
#                      media/ and attachments/ below it are kept as exact copies
#
# Media in S3 (CHAT_STORAGE_URL, docs/deployment.md) are backed up by the bucket's own means
# (versioning, replication, or `rclone sync`/`aws s3 sync` to another bucket), not by this
# script: it then has no local directory to copy and says so.
set -eu
keep_days=${BACKUP_KEEP_DAYS:-14}

backup() { # backup NAME DIRECTORY
	name=$1
	dir=$2
	if [ ! -d "$dir" ]; then
		echo "backup-media: no local $name directory at $dir (in object storage: back up the bucket)" >&2
		return 0
	fi
	if [ -n "${MEDIA_SYNC_TARGET:-}" ]; then
		rsync -a --delete "$dir/" "$MEDIA_SYNC_TARGET/$name/"
		echo "backup-media: $dir synced to $MEDIA_SYNC_TARGET/$name"
		return 0
	fi
	: "${BACKUP_DIR:?}"
	mkdir -p "$BACKUP_DIR/$name"
	archive="$name-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
	tar -C "$dir" -czf "$BACKUP_DIR/$name/.$archive.partial" .
	mv "$BACKUP_DIR/$name/.$archive.partial" "$BACKUP_DIR/$name/$archive"
	echo "backup-media: $BACKUP_DIR/$name/$archive"
	if [ "$keep_days" -gt 0 ]; then
		find "$BACKUP_DIR/$name" -name "$name-*.tar.gz" -type f -mtime "+$((keep_days - 1))" -print -delete |
			sed 's/^/backup-media: deleted /'
	fi
}

backup media "${MEDIA_ROOT:-/app/media}"
backup attachments "${ATTACHMENT_ROOT:-/app/attachments}"
