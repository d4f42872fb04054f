#!/bin/sh
# The release step, run once before the web workers start (docker-compose's
# `migrate` service; the stack tests): apply migrations and refresh the static
# files that nginx serves. Running it in one place means two workers never race
# to migrate the same database.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

# On first boot MySQL initialises its data directory before it accepts the app's
# user; wait for a working connection rather than failing the deployment.
tries=0
until "$PYTHON" manage.py check --database default --fail-level ERROR >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge "${RELEASE_DB_WAIT_TRIES:-30}" ]; then
		# One last time with the output shown, so that the cause is in the log.
		"$PYTHON" manage.py check --database default --fail-level ERROR
		exit 1
	fi
	sleep 2
done
"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py collectstatic --noinput --verbosity 0
