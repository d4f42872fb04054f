#!/bin/sh
# The release step, run once before the web workers start (docker-compose's
# `migrate` service; the stack tests): apply migrations and refresh the static
# files that nginx serves. Running it in one place means two workers never race
# to migrate the same database.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

# The database may not accept connections yet (a MySQL container restarting):
# retry while the error is "cannot connect" (2002, 2003, 2013), fail on any other.
tries=0
until output=$("$PYTHON" manage.py migrate --noinput 2>&1); do
	tries=$((tries + 1))
	if [ "$tries" -ge "${RELEASE_DB_WAIT_TRIES:-30}" ] || ! printf '%s' "$output" | grep -Eq 'OperationalError: \((2002|2003|2013),'; then
		printf '%s\n' "$output" >&2
		exit 1
	fi
	echo "release: database not reachable yet, retrying ($tries)" >&2
	sleep 2
done
printf '%s\n' "$output"
"$PYTHON" manage.py collectstatic --noinput --verbosity 0
