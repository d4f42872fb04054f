#!/bin/sh
# A consistent dump of the chat's database, compressed, into $BACKUP_DIR/db/, and
# dumps older than $BACKUP_KEEP_DAYS days deleted. Made for cron or the compose
# `backup` service: no terminal, no prompt, the password never on a command line
# (it goes into a temporary option file only this process can read).
#
#   DB_HOST, DB_PORT (3306), DB_NAME, DB_USER   where and as whom
#   DB_PASSWORD_FILE                            a file holding the password (a Docker secret)
#   BACKUP_DIR                                  where dumps go (db/ below it)
#   BACKUP_KEEP_DAYS                            how long to keep them (default 14; 0 keeps all)
#   MYSQLDUMP                                   the dump tool (default: mysqldump, else mariadb-dump)
#
# --single-transaction reads every table in one InnoDB snapshot while the chat goes on
# writing: no lock, and the dump is consistent across tables. Restore with
# scripts/restore-db.sh.
set -eu
: "${DB_HOST:?}" "${DB_NAME:?}" "${DB_USER:?}" "${DB_PASSWORD_FILE:?}" "${BACKUP_DIR:?}"
keep_days=${BACKUP_KEEP_DAYS:-14}
dump=${MYSQLDUMP:-$(command -v mysqldump || command -v mariadb-dump)}

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' \
	"$DB_HOST" "${DB_PORT:-3306}" "$DB_USER" "$(cat "$DB_PASSWORD_FILE")" >"$work/client.cnf"

mkdir -p "$BACKUP_DIR/db"
name="$DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
# Written under a temporary name and renamed once complete: a listed dump is a whole dump.
"$dump" --defaults-extra-file="$work/client.cnf" --single-transaction --quick --no-tablespaces \
	--routines --triggers --hex-blob --default-character-set=utf8mb4 "$DB_NAME" | gzip -6 >"$BACKUP_DIR/db/.$name.partial"
mv "$BACKUP_DIR/db/.$name.partial" "$BACKUP_DIR/db/$name"
echo "backup-db: $BACKUP_DIR/db/$name ($(wc -c <"$BACKUP_DIR/db/$name") bytes)"

if [ "$keep_days" -gt 0 ]; then
	find "$BACKUP_DIR/db" -name "$DB_NAME-*.sql.gz" -type f -mtime "+$((keep_days - 1))" -print -delete |
		sed 's/^/backup-db: deleted /'
fi
