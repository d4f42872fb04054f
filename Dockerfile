# The chat server's image: one image for the web workers and the release step.
#   docker build -t chatroom .      (docker-compose.yml builds it for you)

# --- Build stage: compile mysqlclient against the MariaDB client library -------
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential default-libmysqlclient-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- Runtime stage: no compilers, a non-root user -------------------------------
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin chat

WORKDIR /app
# The code stays owned by root: the server cannot rewrite itself.
COPY . /app
# Static files are collected into the image (a broken reference fails the build);
# scripts/release.sh, running as `chat` (hence the owner), refreshes the volume
# nginx serves them from. The key is a throwaway for this one command: settings
# refuse to load without one.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media \
    && chown -R chat:chat /app/staticfiles /app/media
USER chat

EXPOSE 8000
CMD ["scripts/start-web.sh"]
