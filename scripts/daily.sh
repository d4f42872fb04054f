#!/bin/sh
# Run a command every day at HH:MM UTC, for ever: the compose `scheduler` and `backup`
# services. A sleep loop rather than cron: it runs as the container's own unprivileged
# user, passes the container's environment (secrets' *_FILE paths) to the command as it
# is, logs to the container's output, and stops at once on SIGTERM.
#
#   scripts/daily.sh 03:30 python manage.py housekeeping
#
# A failed run is logged and the loop goes on; `docker compose logs scheduler` shows both.
set -eu
at=${1:?usage: daily.sh HH:MM COMMAND...}
shift
hour=${at%%:*}
minute=${at#*:}
trap 'exit 0' TERM INT

while :; do
	now=$(date -u +%s)
	target=$((now - now % 86400 + ${hour#0} * 3600 + ${minute#0} * 60))
	if [ "$target" -le "$now" ]; then
		target=$((target + 86400))
	fi
	echo "daily.sh: next run of '$*' at $(date -u -d "@$target" +%Y-%m-%dT%H:%MZ 2>/dev/null || echo "$at UTC")"
	# In the background, so that SIGTERM interrupts the wait at once.
	sleep $((target - now)) &
	wait $!
	if "$@"; then
		echo "daily.sh: '$*' done"
	else
		echo "daily.sh: '$*' failed with status $?" >&2
	fi
done
