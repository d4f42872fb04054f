#!/bin/sh
# Serve the chat server with one daphne process: a web worker of the production
# stack. docker-compose runs it in each web service; the stack tests run it twice
# on loopback. Migrations and static files are not its business (scripts/release.sh
# runs once before the workers start), so any number of workers can start at once.
#
#   DAPHNE_BIND   address to listen on (default 0.0.0.0)
#   DAPHNE_PORT   port to listen on (default 8000)
#
# Settings come from the environment (.env.example).
set -eu
cd "$(dirname "$0")/.."
# exec: daphne becomes the process that receives SIGTERM from docker or the tests.
# chatroom.server is daphne with a graceful shutdown (sockets closed with 1001), a
# bound on the data a socket that does not read may hold, and the client's address
# read from the proxy headers (chatroom/server.py). It reads X-Forwarded-For itself,
# trusting DJANGO_NUM_PROXIES hops; daphne's --proxy-headers would trust the first
# entry, which any client can forge. Outside debug it exits 1 on settings that fail the
# system checks (no or placeholder secrets, single-process backends).
exec "${PYTHON:-python}" -m chatroom.server -b "${DAPHNE_BIND:-0.0.0.0}" -p "${DAPHNE_PORT:-8000}" chatroom.asgi:application
