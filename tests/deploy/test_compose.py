"""The image and the stack, read from Dockerfile and docker-compose.yml (no Docker engine runs the tests)."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from tests.deploy.helpers import ROOT

APP_SERVICES = ("web", "worker", "beat")
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments left out."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def env_example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}


def test_the_stack_is_postgres_15_redis_7_a_migration_and_the_three_processes(compose):
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "migrate", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("migrate", *APP_SERVICES):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["DJANGO_ENV"] == "production"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://renos:")
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_data_lives_in_named_volumes(compose):
    services = compose["services"]

    assert set(compose["volumes"]) == {"postgres_data", "redis_data"}
    assert "postgres_data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis_data:/data" in services["redis"]["volumes"]
    assert "--appendonly" in services["redis"]["command"]  # queued tasks survive a Redis restart


def test_migrations_run_once_before_web_worker_and_beat_start(compose):
    services = compose["services"]
    migrate = services["migrate"]

    assert "python manage.py migrate --noinput" in " ".join(migrate["command"])
    assert "sync_schedules" in " ".join(migrate["command"])
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
        assert "migrate" not in " ".join(services[name].get("command", [])), name


def test_every_long_running_service_has_a_health_check(compose):
    services = compose["services"]

    for name in ("postgres", "redis", *APP_SERVICES):
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name
        assert check["interval"] and check["timeout"] and check["retries"], name
    assert services["migrate"]["healthcheck"] == {"disable": True}  # a one-shot job
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "check_beat()" in " ".join(services["beat"]["healthcheck"]["test"])


def test_web_runs_the_images_gunicorn_and_the_workers_run_celery(compose):
    services = compose["services"]

    assert "command" not in services["web"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "renos", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "renos", "beat"]


def test_every_variable_compose_uses_is_documented_in_env_example(compose):
    used = set(VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))

    assert used  # the password and the port at least
    assert used <= env_example_names(), used - env_example_names()


def test_the_image_is_python_311_slim_and_runs_as_a_user_without_root():
    instructions = dockerfile_instructions()
    names = [name for name, _ in instructions]

    assert instructions[0] == ("FROM", "python:3.11-slim")
    user = [args for name, args in instructions if name == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert names.index("USER") < names.index("CMD")


def test_the_image_installs_the_pins_and_collects_static_files_at_build():
    runs = [args for name, args in dockerfile_instructions() if name == "RUN"]

    assert any("pip install --no-cache-dir -r requirements.txt" in args for args in runs)
    collect = next(args for args in runs if "collectstatic" in args)
    assert "--noinput" in collect
    assert "DJANGO_SECRET_KEY=" in collect and "secrets.token_urlsafe" in collect  # never a key baked in


def test_the_image_serves_with_gunicorn_sized_from_the_environment():
    env = " ".join(args for name, args in dockerfile_instructions() if name == "ENV")
    cmd = next(args for name, args in dockerfile_instructions() if name == "CMD")
    command = shlex.split(yaml.safe_load(cmd)[-1])

    assert "DJANGO_ENV=production" in env
    assert command[:2] == ["exec", "gunicorn"]
    assert "renos.wsgi:application" in command
    assert command[command.index("--workers") + 1] == "${GUNICORN_WORKERS:-3}"
    assert command[command.index("--threads") + 1] == "${GUNICORN_THREADS:-4}"
    assert {"GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"} <= env_example_names()


def test_the_image_checks_its_health_at_the_health_endpoint():
    check = next(args for name, args in dockerfile_instructions() if name == "HEALTHCHECK")

    assert "--interval=" in check and "--timeout=" in check
    assert "CMD python -c" in check
    assert "/health/" in check


def test_local_state_and_secrets_stay_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())

    assert {".env", ".git", ".venv", "var"} <= ignored
