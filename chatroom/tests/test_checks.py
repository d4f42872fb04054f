"""Outside debug the server refuses placeholder secrets (chatroom.checks), before it serves anything."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chatroom.checks import check_secrets

REPO = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(50)
STRONG_DB_PASSWORD = secrets.token_urlsafe(24)


def error_ids(errors) -> list[str]:
    return [error.id for error in errors]


@pytest.fixture
def production(settings, monkeypatch):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", STRONG_DB_PASSWORD)
    return settings


def test_generated_secrets_pass(production):
    assert check_secrets(None) == []


@pytest.mark.parametrize(
    "key",
    [
        "CHANGE-me",  # the example env files' placeholder
        "django-insecure-" + secrets.token_urlsafe(50),  # startproject's
        "please-replace-this-with-a-long-random-value-0123456789abcdef",
        "my-Secret-" + secrets.token_urlsafe(50),
        secrets.token_urlsafe(30),  # random, but short
        "ab" * 40,  # long, but two characters
    ],
    ids=["compose-example", "django-insecure", "replace", "secret", "short", "low-entropy"],
)
def test_placeholder_or_weak_secret_key_is_an_error(production, key):
    production.SECRET_KEY = key
    errors = check_secrets(None)
    assert error_ids(errors) == ["chatroom.E003"]
    assert key not in errors[0].msg  # the refusal never echoes the secret


@pytest.mark.parametrize(
    "password", ["CHANGE-me-db-password", "chat-test-password", "hunter2", "aaaaaaaaaaaaaaaaaaaaaaaa"]
)
def test_placeholder_or_weak_database_password_is_an_error(production, password):
    production.DATABASES["default"]["PASSWORD"] = password
    errors = check_secrets(None)
    assert error_ids(errors) == ["chatroom.E004"]
    assert password not in errors[0].msg


def test_a_database_without_password_is_not_checked(production):
    production.DATABASES["default"]["PASSWORD"] = ""
    assert check_secrets(None) == []


def test_debug_allows_the_development_key(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = "insecure-key-for-local-debug-only-never-in-production"
    assert check_secrets(None) == []


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(**values: str) -> dict[str, str]:
    """A worker's environment with debug off; no .env file, Redis named (never reached before serving)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_ENV_FILE="", DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_KEY, REDIS_URL="redis://127.0.0.1:1/0"
    )
    env.update(values)
    return env


def test_the_server_refuses_to_start_on_the_example_key():
    """
    `python -m chatroom.server` (what scripts/start-web.sh runs) exits 1 with the reason, before listening,
    whenever debug is off: also when the shared-backend check is turned off.
    """
    port = spare_port()
    refused = subprocess.run(
        [sys.executable, "-m", "chatroom.server", "-b", "127.0.0.1", "-p", str(port), "chatroom.asgi:application"],
        cwd=REPO,
        env=production_env(DJANGO_SECRET_KEY="CHANGE-me", CHAT_REQUIRE_SHARED_BACKENDS="false"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "Refusing to start" in refused.stderr and "chatroom.E003" in refused.stderr
    assert "Traceback" not in refused.stderr
    # The same settings with a generated key pass the same checks.
    accepted = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=REPO,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert accepted.returncode == 0, accepted.stderr


def test_the_server_refuses_the_compose_example_database_password():
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=production_env(DATABASE_URL="mysql://chat:CHANGE-me-db-password@db:3306/chat"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "chatroom.E004" in refused.stderr and "CHANGE-me-db-password" not in refused.stderr


@pytest.mark.parametrize("how", ["make", "copy"])
def test_the_development_env_file_serves_manage_py_as_written(tmp_path, how):
    """
    After `make run` (which writes .env) or a plain copy of .env.example, `manage.py check`
    works with nothing exported: the settings come from the file, not from make.
    """
    (tmp_path / ".env.example").write_text((REPO / ".env.example").read_text())
    if how == "make":
        made = subprocess.run(
            ["make", "-s", "-f", str(REPO / "Makefile"), ".env"], cwd=tmp_path, capture_output=True, text=True
        )
        assert made.returncode == 0, made.stderr
        written = (tmp_path / ".env").read_text()
        assert "DJANGO_DEBUG=true" in written and "\nDJANGO_SECRET_KEY=" in written
        assert (tmp_path / ".env").stat().st_mode & 0o077 == 0  # it holds a secret
        # Never overwritten.
        (tmp_path / ".env").write_text("DJANGO_DEBUG=true\n# edited\n")
        subprocess.run(["make", "-s", "-f", str(REPO / "Makefile"), ".env"], cwd=tmp_path, check=True)
        assert (tmp_path / ".env").read_text().endswith("# edited\n")
        (tmp_path / ".env").write_text(written)
    else:
        (tmp_path / ".env").write_text((REPO / ".env.example").read_text())
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_URL"))}
    env["DJANGO_ENV_FILE"] = str(tmp_path / ".env")
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
