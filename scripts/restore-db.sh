#!/bin/sh
# Load a dump made by scripts/backup-db.sh into the chat's database, replacing the
# tables it holds. Stop the web workers and the scheduler first (docs/deployment.md,
# "Restore"), so that nothing writes meanwhile.
#
#   scripts/restore-db.sh /backups/db/chat-20260101T023000Z.sql.gz
#
# The same DB_* variables as backup-db.sh; MYSQL: the client (default: mysql, else mariadb).
set -eu
dump_file=${1:?usage: restore-db.sh DUMP.sql.gz}
: "${DB_HOST:?}" "${DB_NAME:?}" "${DB_USER:?}" "${DB_PASSWORD_FILE:?}"
client=${MYSQL:-$(command -v mysql || command -v mariadb)}

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' \
	"$DB_HOST" "${DB_PORT:-3306}" "$DB_USER" "$(cat "$DB_PASSWORD_FILE")" >"$work/client.cnf"

gzip -dc "$dump_file" | "$client" --defaults-extra-file="$work/client.cnf" --default-character-set=utf8mb4 "$DB_NAME"
echo "restore-db: loaded $dump_file into $DB_NAME"
