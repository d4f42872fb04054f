"""Production settings: secrets from files, Redis through Sentinel, check --deploy, hashed static files, draining."""

import json
import subprocess
import sys

import pytest

from chatroom import health
from chatroom.redis_client import channel_layer_host, connection_options, parse_sentinels
from chatroom.settings import SecretFiles
from chatroom.tests.test_checks import REPO, STRONG_DB_PASSWORD, production_env


def settings_in(env: dict[str, str], expression: str):
    """The value of `expression` over django.conf.settings, in a fresh process with `env`."""
    code = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "chatroom.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_a_variable_is_read_from_its_file_without_the_final_newline(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-the-file\n")
    mapping = SecretFiles(env={"DJANGO_SECRET_KEY": "from-the-variable", "DJANGO_SECRET_KEY_FILE": str(secret)})
    assert mapping["DJANGO_SECRET_KEY"] == "from-the-file"
    assert SecretFiles(env={"PLAIN": "kept as it is\n"})["PLAIN"] == "kept as it is\n"


def test_each_secret_may_come_from_a_file(tmp_path):
    files = {
        "DJANGO_SECRET_KEY": "k" + "x9Qz7" * 12,
        "DATABASE_PASSWORD": STRONG_DB_PASSWORD,
        "REDIS_PASSWORD": "redis-secret-from-file",
        "SENTRY_DSN": "https://public@sentry.invalid/1",
    }
    env = production_env(DATABASE_URL="mysql://chat@db:3306/chat")
    env.pop("DJANGO_SECRET_KEY")
    for name, value in files.items():
        (tmp_path / name).write_text(value + "\n")
        env[f"{name}_FILE"] = str(tmp_path / name)
    read = settings_in(
        env,
        "[settings.SECRET_KEY, settings.DATABASES['default']['PASSWORD'], settings.DATABASES['default']['USER'], "
        "settings.CACHES['default']['OPTIONS'], settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0], "
        "settings.SENTRY_DSN]",
    )
    assert read == [
        files["DJANGO_SECRET_KEY"],
        STRONG_DB_PASSWORD,
        "chat",
        {"password": "redis-secret-from-file"},
        {"address": "redis://127.0.0.1:1/0", "password": "redis-secret-from-file"},
        files["SENTRY_DSN"],
    ]


def test_sentinels_switch_the_cache_and_the_channel_layer():
    env = production_env(REDIS_URL="", REDIS_SENTINELS="10.0.0.1:26379, 10.0.0.2", REDIS_SENTINEL_MASTER="chat")
    cache, layer, url = settings_in(
        env,
        "[settings.CACHES['default'], settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0], settings.REDIS_URL]",
    )
    assert url == "redis://chat/0"
    assert cache["OPTIONS"] == {"pool_class": "chatroom.redis_client.SentinelMasterPool"}
    assert layer["master_name"] == "chat" and layer["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26379]]


def test_redis_url_parts():
    assert parse_sentinels(["a:1", "b"]) == [("a", 1), ("b", 26379)]
    assert connection_options("redis://:p%40ss@host:6379/3") == {"db": 3, "password": "p@ss"}
    assert connection_options("redis://host/0", "fallback") == {"db": 0, "password": "fallback"}
    assert channel_layer_host("redis://h/0", sentinels=[], master="m", password="") == {"address": "redis://h/0"}


def test_check_deploy_is_clean_with_the_documented_production_settings():
    env = production_env(
        DJANGO_SECURE_PROXY_SSL="true",
        DJANGO_ALLOWED_HOSTS="chat.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://chat.example.com",
        DATABASE_URL=f"mysql://chat:{STRONG_DB_PASSWORD}@db:3306/chat",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_hashed_static_files_outside_debug_only():
    production = settings_in(production_env(), "settings.STORAGES['staticfiles']['BACKEND']")
    debug = settings_in(production_env(DJANGO_DEBUG="true"), "settings.STORAGES['staticfiles']['BACKEND']")
    assert production == "chatroom.storage.HashedStaticFilesStorage"
    assert debug == "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture
def draining():
    health.start_draining()
    yield
    health._draining.clear()


def test_a_draining_worker_says_so_on_readyz(client, draining):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "draining"}
    assert client.get("/healthz").status_code == 200
