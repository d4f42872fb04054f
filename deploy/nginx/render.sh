#!/bin/sh
# shellcheck disable=SC2016  # the single-quoted ${...} are envsubst's variable list and nginx variables
# Write nginx's site configuration for the chat from chat.conf.template (beside this
# script) and the environment. docker-compose's nginx service runs it before nginx
# starts; the stack tests run it for Debian's nginx on loopback.
#
#   CHAT_WORKERS              one "server host:port;" per daphne worker (required); with nginx
#                             1.27.3+, "server web1:8000 resolve;" follows a worker's new address
#   CHAT_RESOLVER             DNS server(s) for `resolve`, e.g. "127.0.0.11 valid=10s ipv6=off"
#                             (Docker's); empty: none
#   CHAT_STATIC_ROOT          the directory collectstatic fills (DJANGO_STATIC_ROOT; required)
#   CHAT_MEDIA_ROOT           uploaded files (DJANGO_MEDIA_ROOT; required)
#   CHAT_ATTACHMENT_ROOT      attachments, served only after a worker's X-Accel-Redirect
#                             (DJANGO_ATTACHMENT_ROOT; default /srv/attachments)
#   CHAT_LISTEN               plain http: a port or address:port (default 80)
#   CHAT_TLS_CERTIFICATE      certificate chain (PEM); set with CHAT_TLS_CERTIFICATE_KEY, nginx
#   CHAT_TLS_CERTIFICATE_KEY  serves https with HTTP/2 and redirects plain http to it
#   CHAT_TLS_LISTEN           https: a port or address:port (default 443)
#   CHAT_HSTS_SECONDS         Strict-Transport-Security max-age on https (default 31536000; 0: none)
#   CHAT_ACCESS_LOG           where the JSON access log goes (default /var/log/nginx/access.log)
#   CHAT_NGINX_CONF           the file to write (default /etc/nginx/conf.d/default.conf)
set -eu
here=$(cd "$(dirname "$0")" && pwd)

: "${CHAT_WORKERS:?one server host:port; per worker}"
: "${CHAT_STATIC_ROOT:?the static files directory}"
: "${CHAT_MEDIA_ROOT:?the media directory}"
CHAT_ATTACHMENT_ROOT=${CHAT_ATTACHMENT_ROOT:-/srv/attachments}
CHAT_LISTEN=${CHAT_LISTEN:-80}
CHAT_TLS_LISTEN=${CHAT_TLS_LISTEN:-443}
CHAT_HSTS_SECONDS=${CHAT_HSTS_SECONDS:-31536000}
CHAT_ACCESS_LOG=${CHAT_ACCESS_LOG:-/var/log/nginx/access.log}
CHAT_NGINX_CONF=${CHAT_NGINX_CONF:-/etc/nginx/conf.d/default.conf}

# "http2 on;" from nginx 1.25.1; before it, a parameter of `listen` (deprecated since).
version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9.]*\).*|\1|p')
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
patch=${rest#*.}
if [ "$major" -gt 1 ] || [ "$minor" -gt 25 ] || { [ "$minor" -eq 25 ] && [ "$patch" -ge 1 ]; }; then
	CHAT_HTTP2_DIRECTIVE="http2 on;"
	CHAT_LISTEN_HTTP2=""
else
	CHAT_HTTP2_DIRECTIVE=""
	CHAT_LISTEN_HTTP2=" http2"
fi

if [ "$CHAT_HSTS_SECONDS" -gt 0 ]; then
	CHAT_HSTS="max-age=$CHAT_HSTS_SECONDS; includeSubDomains"
else
	CHAT_HSTS=""
fi
CHAT_RESOLVER_DIRECTIVE=""
if [ -n "${CHAT_RESOLVER:-}" ]; then
	CHAT_RESOLVER_DIRECTIVE="resolver $CHAT_RESOLVER;"
fi

export CHAT_WORKERS CHAT_STATIC_ROOT CHAT_MEDIA_ROOT CHAT_ATTACHMENT_ROOT CHAT_LISTEN CHAT_TLS_LISTEN CHAT_ACCESS_LOG CHAT_HSTS \
	CHAT_HTTP2_DIRECTIVE CHAT_LISTEN_HTTP2 CHAT_RESOLVER_DIRECTIVE
if [ -n "${CHAT_TLS_CERTIFICATE:-}" ]; then
	: "${CHAT_TLS_CERTIFICATE_KEY:?the private key of CHAT_TLS_CERTIFICATE}"
	tls_port=${CHAT_TLS_LISTEN##*:}
	CHAT_HTTPS_PORT_SUFFIX=""
	if [ "$tls_port" != 443 ]; then
		CHAT_HTTPS_PORT_SUFFIX=":$tls_port"
	fi
	export CHAT_TLS_CERTIFICATE CHAT_TLS_CERTIFICATE_KEY CHAT_HTTPS_PORT_SUFFIX
	CHAT_SERVER_LISTEN=$(envsubst '${CHAT_TLS_LISTEN} ${CHAT_LISTEN_HTTP2} ${CHAT_HTTP2_DIRECTIVE} ${CHAT_TLS_CERTIFICATE} ${CHAT_TLS_CERTIFICATE_KEY}' <"$here/tls.conf.template")
	CHAT_REDIRECT_SERVER=$(envsubst '${CHAT_LISTEN} ${CHAT_ACCESS_LOG} ${CHAT_HTTPS_PORT_SUFFIX}' <"$here/redirect.conf.template")
	# nginx terminates TLS: the scheme is its own, whatever a client claims.
	CHAT_TRUSTED_PROTO='$scheme'
else
	CHAT_SERVER_LISTEN="listen $CHAT_LISTEN;"
	CHAT_REDIRECT_SERVER=""
	# TLS, if any, ends at a balancer in front, which says so in X-Forwarded-Proto.
	CHAT_TRUSTED_PROTO='$http_x_forwarded_proto'
fi
export CHAT_SERVER_LISTEN CHAT_REDIRECT_SERVER CHAT_TRUSTED_PROTO

envsubst '${CHAT_WORKERS} ${CHAT_RESOLVER_DIRECTIVE} ${CHAT_TRUSTED_PROTO} ${CHAT_HSTS} ${CHAT_REDIRECT_SERVER} ${CHAT_SERVER_LISTEN} ${CHAT_ACCESS_LOG} ${CHAT_STATIC_ROOT} ${CHAT_MEDIA_ROOT} ${CHAT_ATTACHMENT_ROOT}' \
	<"$here/chat.conf.template" >"$CHAT_NGINX_CONF.tmp"
mv "$CHAT_NGINX_CONF.tmp" "$CHAT_NGINX_CONF"
echo "render.sh: wrote $CHAT_NGINX_CONF ($( [ -n "${CHAT_TLS_CERTIFICATE:-}" ] && echo https || echo http ))"
