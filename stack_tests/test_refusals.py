"""With DEBUG off a worker refuses settings that would break in production, before serving anything."""

import os
import secrets
import subprocess

import pytest
from stack import REPO, VENV_BIN

from testbed.processes import STACK_PORTS, spare_port


def start_worker(**settings: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ['PATH']}", DJANGO_DEBUG="false", DAPHNE_BIND="127.0.0.1")
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DAPHNE_PORT=str(spare_port(STACK_PORTS)), DJANGO_ENV_FILE=""
    )
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [str(REPO / "scripts" / "start-web.sh")], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("settings", "reasons"),
    [
        ({"DJANGO_SECRET_KEY": None}, ["DJANGO_SECRET_KEY"]),
        # The example env files' placeholder.
        ({"DJANGO_SECRET_KEY": "CHANGE-me"}, ["chatroom.E003"]),
        # The in-memory channel layer and local-memory cache reach one process only.
        ({"REDIS_URL": ""}, ["chatroom.E001", "chatroom.E002"]),
    ],
    ids=["no-secret-key", "placeholder-secret-key", "no-redis"],
)
def test_worker_refuses_to_start(settings, reasons):
    result = start_worker(**settings)
    assert result.returncode == 1
    assert "Refusing to start" in result.stderr
    for reason in reasons:
        assert reason in result.stderr
