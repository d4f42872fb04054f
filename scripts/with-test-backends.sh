#!/usr/bin/env bash
# Run a command against throwaway MariaDB and Redis servers.
#
#   scripts/with-test-backends.sh .venv/bin/pytest
#
# Starts mariadbd and redis-server from the machine's binaries (installed with
# apt when missing) on spare loopback ports, with their data in a temporary
# directory, exports DATABASE_URL and REDIS_URL for the command, and stops both
# servers and deletes their data when it exits; the exit status is the command's.
# Nothing else on the machine is touched: not the system MariaDB or Redis, not
# their configuration files. Ports come from 27000-27999 (TEST_PORT_MIN /
# TEST_PORT_MAX to change). The work is done by testbed/backends.py, with the
# same helpers as the stack tests' own servers; PYTHON is the venv's by default.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
# The repo on the path for this interpreter only, not for the command it runs.
exec "$python" -c 'import sys; sys.path.insert(0, sys.argv.pop(1)); from testbed.backends import main; sys.exit(main(sys.argv[1:]))' "$repo" "$@"
