#!/bin/sh
# Generate the compose stack's secrets, one file each, in deploy/secrets/ (or
# $CHAT_CONFIG_DIR/secrets/): the Django secret key, the database's password for the
# chat and for root, Redis's password. An existing file is kept: run it again safely.
# The directory is readable by its owner only; the files inside are readable by the
# containers' users (compose mounts them as they are) and by nobody else on the host,
# who cannot enter the directory.
set -eu
cd "$(dirname "$0")/.."
dir=${CHAT_CONFIG_DIR:-deploy}/secrets
mkdir -p "$dir"
chmod 700 "$dir"
for name in django_secret_key:50 db_password:24 db_root_password:24 redis_password:24; do
	file=$dir/${name%%:*}
	if [ -s "$file" ]; then
		echo "make-secrets: $file exists, kept"
		continue
	fi
	python3 -c "import secrets, sys; print(secrets.token_urlsafe(int(sys.argv[1])))" "${name#*:}" >"$file"
	chmod 644 "$file"
	echo "make-secrets: wrote $file"
done
