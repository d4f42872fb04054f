# The chat server's image: one image for the web workers, the release step and the
# scheduler. Runtime dependencies only (requirements.txt); tests and development
# tools stay out (.dockerignore).
#   docker build -t chatroom .      (docker-compose.yml builds it for you)
#
# The base is pinned to an exact release of Python and Debian; pin it by digest too
# where builds must be reproducible to the byte:
#   docker buildx imagetools inspect python:3.11.13-slim-bookworm   # then FROM python:...@sha256:<digest>
# Debian packages are not pinned to versions: bookworm's archive keeps only the latest
# build of each (a pinned security update vanishes and the build breaks), and the pinned
# base already fixes the release. Rebuild regularly to pick up security updates.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- Build stage: compile mysqlclient against the MariaDB client library, and the catalogues
FROM ${PYTHON_IMAGE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential default-libmysqlclient-dev pkg-config gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
# The translation catalogues (.mo: build output, not in git), compiled here with gettext's
# msgfmt so that gettext stays out of the runtime image.
COPY locale /build/locale
WORKDIR /build
RUN /opt/venv/bin/django-admin compilemessages -v0

# --- Runtime stage: no compilers, an unprivileged numeric user ------------------
FROM ${PYTHON_IMAGE}
# libmariadb3: mysqlclient's library. rsync: scripts/backup-media.sh's copy to another host.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 rsync \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 chat \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin chat

WORKDIR /app
# The code stays owned by root: the server cannot rewrite itself.
COPY . /app
COPY --from=build /build/locale /app/locale
# Static files are collected into the image with hashed names (a broken reference fails
# the build); scripts/release.sh, running as `chat` (hence the owner), refreshes the
# volume nginx serves them from. The key is a throwaway for this one command: settings
# refuse to load without one.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media /app/attachments \
    && chown -R 10001:10001 /app/staticfiles /app/media /app/attachments
# Numeric, so that a platform can tell it is not root without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000
CMD ["scripts/start-web.sh"]
