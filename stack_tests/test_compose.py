"""docker-compose.yml is valid and wires the same scripts and nginx template that the stack tests run."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from stack import REPO

TEST_ENV_FILE = Path(__file__).with_name("compose.test.env")


def compose(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHAT_ENV_FILE=str(TEST_ENV_FILE))
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
    rendered = compose("config")
    assert rendered.returncode == 0, rendered.stderr
    as_json = subprocess.run(
        ["/usr/bin/python3", "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
        input=rendered.stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(as_json.stdout)


def env_file_values() -> dict[str, str]:
    lines = [line for line in TEST_ENV_FILE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


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


def test_compose_file_validates():
    result = compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_services_and_start_order(config):
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web1", "web2", "nginx"}
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
    assert set(services["nginx"]["depends_on"]) == {"web1", "web2"}


def test_database_and_redis(config):
    db, redis = config["services"]["db"], config["services"]["redis"]
    assert db["image"].startswith("mysql:8")
    assert "--character-set-server=utf8mb4" in db["command"]
    assert mounts(db)["/var/lib/mysql"] == "db-data"
    assert "db-data" in config["volumes"]
    assert db["healthcheck"]["test"] and redis["healthcheck"]["test"]
    assert redis["image"].startswith("redis:7")


def test_nginx_runs_the_repo_template_in_front_of_both_workers(config):
    nginx = config["services"]["nginx"]
    nginx_mounts = mounts(nginx)
    assert nginx_mounts["/etc/nginx/templates/default.conf.template"] == str(REPO / "deploy/nginx/chat.conf.template")
    assert nginx_mounts[nginx["environment"]["CHAT_STATIC_ROOT"]] == "static"
    assert nginx_mounts[nginx["environment"]["CHAT_MEDIA_ROOT"]] == "media"
    assert nginx["environment"]["CHAT_WORKERS"] == "server web1:8000; server web2:8000;"
    assert mounts(config["services"]["migrate"])["/app/staticfiles"] == "static"
    for name in ("web1", "web2"):
        assert mounts(config["services"][name])["/app/media"] == "media"


def test_settings_and_secrets_come_from_the_env_file(config):
    values = env_file_values()
    for name in ("migrate", "web1", "web2"):
        environment = config["services"][name]["environment"]
        for key in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"):
            assert environment[key] == values[key]
    assert config["services"]["db"]["environment"]["MYSQL_PASSWORD"] == values["MYSQL_PASSWORD"]
    text = (REPO / "docker-compose.yml").read_text()
    for secret in ("DJANGO_SECRET_KEY", "MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD:", "MYSQL_PASSWORD="):
        assert secret not in text


def test_image_runs_as_a_non_root_user_with_static_files_collected():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "collectstatic" in dockerfile
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    for script in ("start-web.sh", "release.sh"):
        assert os.access(REPO / "scripts" / script, os.X_OK)
