#!/bin/sh
# Upgrade or restart the web workers of the compose stack one at a time, so that the
# chat stays up: while one worker restarts, nginx sends everything to the others.
#
#   git pull && scripts/rolling-restart.sh            # build, migrate, then web1, web2...
#   scripts/rolling-restart.sh --no-build web2        # restart one worker as it is
#
# For each worker: stop it (SIGTERM: /readyz says "draining", its sockets close with
# 1001 and their clients reconnect to another worker at once and catch up by id), start
# the new container, and wait until its healthcheck (/readyz) passes before the next.
# nginx follows the new container's address by itself (`server ... resolve`, nginx
# 1.27.3+); with an older nginx pass --reload-nginx. Migrations must suit both the
# old and the new code while workers of both versions run (add columns before using
# them, drop them a release later).
#
#   COMPOSE   the compose command (default: "docker compose", else "docker-compose")
#   WORKERS   the services to restart, in order (default: every webN service)
#   HEALTH_TIMEOUT  seconds to wait for a worker to become healthy (default 120)
set -eu
cd "$(dirname "$0")/.."

build=yes
reload_nginx=no
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=no ;;
	--reload-nginx) reload_nginx=yes ;;
	-*) echo "usage: rolling-restart.sh [--no-build] [--reload-nginx] [SERVICE...]" >&2 && exit 2 ;;
	*) break ;;
	esac
	shift
done

if [ -z "${COMPOSE:-}" ]; then
	if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi
workers=${*:-${WORKERS:-$($COMPOSE config --services | grep -E '^web[0-9]+$' | sort -V)}}
timeout=${HEALTH_TIMEOUT:-120}

log() { echo "rolling-restart: $*"; }

if [ "$build" = yes ]; then
	log "building the image"
	$COMPOSE build
	log "migrating (the old workers keep serving)"
	$COMPOSE run --rm migrate
fi

for worker in $workers; do
	log "$worker: stopping (sockets move to the other workers)"
	$COMPOSE stop "$worker"
	$COMPOSE up -d --no-deps --force-recreate "$worker"
	container=$($COMPOSE ps -q "$worker")
	waited=0
	until [ "$(docker inspect --format '{{.State.Health.Status}}' "$container")" = healthy ]; do
		if [ "$waited" -ge "$timeout" ]; then
			log "$worker: not healthy after ${timeout}s; stopping here (the other workers still serve)"
			$COMPOSE logs --tail 50 "$worker"
			exit 1
		fi
		sleep 2
		waited=$((waited + 2))
	done
	log "$worker: healthy after ${waited}s"
	if [ "$reload_nginx" = yes ]; then
		$COMPOSE exec -T nginx nginx -s reload
	fi
done
log "done: $workers"
