"""docker-compose.yml is valid, hands each service only its own secrets, and wires the scripts the stack tests run."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from stack import REPO

CONFIG_DIR = Path(__file__).with_name("compose-config")  # web.env, nginx.env and secrets/ with throwaway values
APP_SERVICES = ("migrate", "web1", "web2", "scheduler")


def compose(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHAT_CONFIG_DIR=str(CONFIG_DIR))
    return subprocess.run(
        ["docker-compose", "--project-directory", str(REPO), "-f", str(REPO / "docker-compose.yml"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def config() -> dict:
    """The resolved configuration, read with the YAML module docker-compose itself depends on."""
    rendered = compose("--profile", "monitoring", "config")
    assert rendered.returncode == 0, rendered.stderr
    as_json = subprocess.run(
        ["/usr/bin/python3", "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
        input=rendered.stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(as_json.stdout)


def mounts(service: dict) -> dict[str, str]:
    """Mount target -> source; docker-compose 1.x prints volumes as "source:target[:mode]"."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[volume["target"]] = volume["source"]
        else:
            source, target = volume.split(":")[:2]
            found[target] = source
    return found


def secrets_of(service: dict) -> set[str]:
    return {entry["source"] if isinstance(entry, dict) else entry for entry in service.get("secrets", [])}


def test_compose_file_validates():
    result = compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_services_and_start_order(config):
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web1", "web2", "scheduler", "backup", "nginx", "prometheus"}
    assert services["migrate"]["command"] == ["scripts/release.sh"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web1", "web2"):
        web = services[name]
        assert web["command"] == ["scripts/start-web.sh"]
        assert web["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
        # Ready means the database and Redis answer (/readyz), not a listening port.
        assert "/readyz" in " ".join(web["healthcheck"]["test"])
    assert services["nginx"]["depends_on"] == {
        "web1": {"condition": "service_healthy"},
        "web2": {"condition": "service_healthy"},
    }
    assert "/nginx-health" in " ".join(services["nginx"]["healthcheck"]["test"])


def test_each_service_gets_only_its_own_secrets(config):
    services = config["services"]
    for name in APP_SERVICES:
        assert secrets_of(services[name]) == {"django_secret_key", "db_password", "redis_password"}, name
        environment = services[name]["environment"]
        assert environment["DJANGO_SECRET_KEY_FILE"] == "/run/secrets/django_secret_key"
        assert environment["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
        assert not {key for key in environment if key.startswith("MYSQL_")}
    assert secrets_of(services["db"]) == {"db_password", "db_root_password"}
    assert not {key for key in services["db"]["environment"] if key.startswith(("DJANGO_", "REDIS_"))}
    assert secrets_of(services["redis"]) == {"redis_password"}
    assert secrets_of(services["backup"]) == {"db_password"}
    assert not secrets_of(services["nginx"]) and not secrets_of(services["prometheus"])
    for secret in config["secrets"].values():
        assert Path(secret["file"]).parent == CONFIG_DIR / "secrets"
    # No secret value is written in the compose file itself.
    text = (REPO / "docker-compose.yml").read_text()
    for secret in (
        "DJANGO_SECRET_KEY=",
        "DJANGO_SECRET_KEY:",
        "MYSQL_ROOT_PASSWORD:",
        "MYSQL_PASSWORD:",
        "requirepass ",
    ):
        assert secret not in text.replace("requirepass $$(cat", "")


def test_database_and_redis(config):
    db, redis = config["services"]["db"], config["services"]["redis"]
    assert db["image"].startswith("mysql:8.4.")
    assert "--character-set-server=utf8mb4" in db["command"]
    assert mounts(db)["/var/lib/mysql"] == "db-data"
    assert redis["image"].startswith("redis:7.4.")
    # Full Redis refuses writes instead of silently evicting a rate-limit bucket or a ticket.
    assert "--maxmemory-policy noeviction" in " ".join(redis["command"])


def test_nginx_renders_the_repo_template_in_front_of_both_workers(config):
    nginx = config["services"]["nginx"]
    nginx_mounts = mounts(nginx)
    assert nginx_mounts["/etc/nginx/chat"] == str(REPO / "deploy/nginx")
    assert "/etc/nginx/chat/render.sh" in " ".join(nginx["command"])
    assert nginx_mounts[nginx["environment"]["CHAT_STATIC_ROOT"]] == "static"
    assert nginx_mounts[nginx["environment"]["CHAT_MEDIA_ROOT"]] == "media"
    assert nginx["environment"]["CHAT_WORKERS"] == (
        "server web1:8000 resolve fail_timeout=2s; server web2:8000 resolve fail_timeout=2s;"
    )
    assert nginx["environment"]["CHAT_TLS_CERTIFICATE"] == "/etc/nginx/tls/fullchain.pem"
    assert {port["target"] for port in nginx["ports"]} == {80, 443}
    assert mounts(config["services"]["migrate"])["/app/staticfiles"] == "static"
    for name in ("web1", "web2"):
        assert mounts(config["services"][name])["/app/media"] == "media"
    # Attachments: one volume the workers write, nginx reads for X-Accel-Redirect, the scheduler purges.
    assert nginx_mounts[nginx["environment"]["CHAT_ATTACHMENT_ROOT"]] == "attachments"
    for name in ("web1", "web2", "scheduler"):
        assert mounts(config["services"][name])["/app/attachments"] == "attachments"
    for name in ("web1", "web2"):
        assert config["services"][name]["environment"]["CHAT_ATTACHMENT_ACCEL_PREFIX"] == "/_attachments/"


def test_scheduler_and_backup_run_the_repo_scripts_daily(config):
    scheduler, backup = config["services"]["scheduler"], config["services"]["backup"]
    assert scheduler["command"][:2] == ["scripts/daily.sh", "03:30"]
    assert "python manage.py housekeeping && scripts/backup-media.sh" in scheduler["command"]
    assert backup["entrypoint"] == ["/chat-scripts/daily.sh", "02:30", "/chat-scripts/backup-db.sh"]
    assert backup["image"] == config["services"]["db"]["image"]  # the server's own mysqldump
    assert mounts(backup)["/backups"] == mounts(scheduler)["/backups"] == "backups"


def test_image_is_pinned_runs_as_a_numeric_user_and_collects_static_files():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm" in dockerfile
    assert "collectstatic" in dockerfile
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users == ["10001:10001"]
    for script in ("start-web.sh", "release.sh", "daily.sh", "backup-db.sh", "backup-media.sh", "rolling-restart.sh"):
        assert os.access(REPO / "scripts" / script, os.X_OK)
