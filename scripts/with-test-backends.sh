#!/usr/bin/env bash
# Run a command against throwaway MariaDB and Redis servers.
#
#   scripts/with-test-backends.sh .venv/bin/pytest
#
# Starts mariadbd and redis-server from the machine's binaries (installed with
# apt when missing) on spare loopback ports, with their data in a temporary
# directory, exports DATABASE_URL and REDIS_URL for the command, and stops both
# servers and deletes their data when it exits. Nothing else on the machine is
# touched: not the system MariaDB or Redis, not their configuration files.
# Ports come from 27000-27999 (TEST_PORT_MIN / TEST_PORT_MAX to change).
set -euo pipefail

# Ports are drawn from this range, so that parallel runs and other services keep clear.
PORT_MIN=${TEST_PORT_MIN:-27000}
PORT_MAX=${TEST_PORT_MAX:-27999}
DB_NAME=chat
DB_USER=chat
DB_PASSWORD=chat-test-password

log() { echo "with-test-backends: $*" >&2; }

# Install a Debian package when the command it provides is missing.
ensure_command() {
	local command=$1 package=$2
	if ! command -v "$command" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$command ]]; then
		log "installing $package (apt)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
	fi
}

# Print a port in the range that nothing listens on right now.
spare_port() {
	python3 - "$PORT_MIN" "$PORT_MAX" <<'PY'
import random, socket, sys
low, high = int(sys.argv[1]), int(sys.argv[2])
for port in random.sample(range(low, high + 1), high - low + 1):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit("no spare port")
PY
}

# Wait until `check` succeeds, or fail if process `pid` died or 30 s passed.
wait_ready() {
	local pid=$1 check=$2 deadline=$((SECONDS + 30))
	until eval "$check" >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

ensure_command mariadbd mariadb-server
ensure_command redis-server redis-server
PATH=$PATH:/usr/sbin
# Message search on MariaDB uses the Mroonga engine (messaging/search.py); the server loads it below.
mroonga_plugin="$(mariadbd --no-defaults --help --verbose 2>/dev/null | awk '$1 == "plugin-dir" {print $2}')/ha_mroonga.so"
if [[ ! -f $mroonga_plugin ]]; then
	log "installing mariadb-plugin-mroonga (apt)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-plugin-mroonga >/dev/null
fi

base=/dev/shm
[[ -w $base ]] || base=${TMPDIR:-/tmp}
workdir=$(mktemp -d "$base/chat-backends.XXXXXX")
pids=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$workdir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- MariaDB: a fresh data directory, durability traded for speed --------------
mariadb-install-db --no-defaults --user=root --datadir="$workdir/mariadb" \
	--auth-root-authentication-method=normal --skip-test-db >"$workdir/mariadb-install.log" 2>&1 ||
	{ cat "$workdir/mariadb-install.log" >&2; exit 1; }
for attempt in 1 2 3; do
	db_port=$(spare_port)
	mariadbd --no-defaults --user=root --datadir="$workdir/mariadb" --socket="$workdir/mariadb.sock" \
		--port="$db_port" --bind-address=127.0.0.1 --pid-file="$workdir/mariadb.pid" \
		--log-error="$workdir/mariadb.err" --skip-name-resolve --skip-log-bin \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=128M \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --max-connections=500 \
		--plugin-load-add=ha_mroonga.so &
	db_pid=$!
	if wait_ready "$db_pid" "mariadb-admin --no-defaults -S '$workdir/mariadb.sock' -uroot ping"; then
		pids+=("$db_pid")
		break
	fi
	kill "$db_pid" 2>/dev/null || true
	wait "$db_pid" 2>/dev/null || true
	((attempt < 3)) || { cat "$workdir/mariadb.err" >&2; log "MariaDB did not start"; exit 1; }
done
# The app user for both ways of reaching the server; Django's test runner creates test_<name>.
mariadb --no-defaults -S "$workdir/mariadb.sock" -uroot <<SQL
CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1', '$DB_USER'@'localhost';
GRANT ALL ON \`test_$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1', '$DB_USER'@'localhost';
SQL

# --- Redis: no persistence ------------------------------------------------------
for attempt in 1 2 3; do
	redis_port=$(spare_port)
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$workdir" --logfile "$workdir/redis.log" --daemonize no &
	redis_pid=$!
	if wait_ready "$redis_pid" "redis-cli -p $redis_port ping | grep -q PONG"; then
		pids+=("$redis_pid")
		break
	fi
	kill "$redis_pid" 2>/dev/null || true
	wait "$redis_pid" 2>/dev/null || true
	((attempt < 3)) || { cat "$workdir/redis.log" >&2; log "Redis did not start"; exit 1; }
done

export DATABASE_URL="mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$db_port/$DB_NAME"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
log "MariaDB on 127.0.0.1:$db_port, Redis on 127.0.0.1:$redis_port"
"$@"
