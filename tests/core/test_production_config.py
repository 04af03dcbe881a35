"""Production refuses to start without what it needs (every problem on its own line, all
at once), the pool settings reach the PostgreSQL engine and never SQLite's, and the
development default still needs none of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from config import ConfigError, ProductionConfig, engine_options, normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "k" * 64
# A PostgreSQL URL for the engine to be built from: the test server's maintenance
# database when the suite runs on PostgreSQL (the child then connects and reads SELECT 1),
# else one that is never connected to.
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRESQL = TEST_URL.startswith("postgres")
PG_URL = (
    make_url(normalise_database_url(TEST_URL))
    .set(database="postgres")
    .render_as_string(hide_password=False)
    if ON_POSTGRESQL
    else "postgresql://marketplace@127.0.0.1:1/none"
)

COMPLETE = {
    "SECRET_KEY": SECRET,
    "DATABASE_URL": PG_URL,
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SITE_URL": "https://slippers.example.org",
    "MAIL_SERVER": "smtp.example.org",
}
# One entry per refusal: the setting, a bad value ("" = unset), the start of its line.
REFUSALS = [
    ("SECRET_KEY", "", "SECRET_KEY must be set"),
    ("SECRET_KEY", "dev-insecure-secret-key-change-me", "SECRET_KEY must be set"),
    ("SECRET_KEY", "short", "SECRET_KEY must be set"),
    ("DATABASE_URL", "sqlite:///marketplace.db", "DATABASE_URL must point at PostgreSQL"),
    ("DATABASE_URL", "", "DATABASE_URL must point at PostgreSQL"),
    ("REDIS_URL", "", "REDIS_URL must be set"),
    ("SITE_URL", "", "SITE_URL must be the site's absolute address"),
    ("SITE_URL", "slippers.example.org", "SITE_URL must be the site's absolute address"),
    ("MAIL_SERVER", "", "MAIL_SERVER must be set"),
]
ATTRIBUTE = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def production(**settings: str) -> type[ProductionConfig]:
    """ProductionConfig as the environment ``COMPLETE | settings`` would make it."""
    values = COMPLETE | settings
    return type(
        "Production",
        (ProductionConfig,),
        {ATTRIBUTE.get(name, name): value for name, value in values.items()},
    )


def problem_lines(error: ConfigError) -> list[str]:
    first, *lines = str(error).splitlines()
    assert first == "The production configuration is not usable:"
    assert all(line.startswith("  - ") for line in lines)
    return [line.removeprefix("  - ") for line in lines]


# --- the checks -------------------------------------------------------------------------


def test_a_complete_production_config_passes():
    production().validate()


@pytest.mark.parametrize(
    ("setting", "value", "line"), REFUSALS, ids=[f"{s}={v!r}" for s, v, _ in REFUSALS]
)
def test_each_problem_is_one_line_naming_the_setting(setting, value, line):
    with pytest.raises(ConfigError) as caught:
        production(**{setting: value}).validate()
    lines = problem_lines(caught.value)
    assert len(lines) == 1, lines
    assert lines[0].startswith(line)


def test_every_problem_is_reported_at_once():
    config = production(
        SECRET_KEY="", DATABASE_URL="sqlite:///x.db", REDIS_URL="", SITE_URL="", MAIL_SERVER=""
    )
    with pytest.raises(ConfigError) as caught:
        config.validate()
    lines = problem_lines(caught.value)
    assert [line.split(" ", 1)[0] for line in lines] == [
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "SITE_URL",
        "MAIL_SERVER",
    ]
    assert caught.value.problems == lines


def test_a_database_password_is_never_printed():
    with pytest.raises(ConfigError) as caught:
        production(DATABASE_URL="mysql://app:hunter2secret@db/app").validate()
    assert "hunter2secret" not in str(caught.value)
    assert "'mysql'" in str(caught.value)


# --- the pool ---------------------------------------------------------------------------

POOL = {"DB_POOL_SIZE": 3, "DB_MAX_OVERFLOW": 2, "DB_POOL_RECYCLE": 120, "DB_POOL_TIMEOUT": 7}


def test_pool_options_are_for_postgresql_only():
    base = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}} | POOL
    postgres = engine_options(base | {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/db"})
    assert postgres == {
        "pool_pre_ping": True,
        "pool_size": 3,
        "max_overflow": 2,
        "pool_recycle": 120,
        "pool_timeout": 7,
    }
    sqlite = engine_options(base | {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert sqlite == {"pool_pre_ping": True}


def test_explicit_engine_options_win_over_the_pool_settings():
    config = POOL | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/db",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 40},
    }
    assert engine_options(config)["pool_size"] == 40


# --- starting the real entry points -------------------------------------------------------


def child_env(**settings: str) -> dict[str, str]:
    """A clean environment: none of the developer's DATABASE_URL, REDIS_URL, MAIL_*..."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return env | {"PYTHONPATH": str(ROOT)} | settings


def run(args: list[str], env: dict[str, str], tmp_path, timeout: int = 120):
    return subprocess.run(  # noqa: S603 - our own interpreter and tools, constant arguments
        args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


EXPECTED_LINES = [
    "  - SECRET_KEY must be set",
    "  - DATABASE_URL must point at PostgreSQL",
    "  - REDIS_URL must be set",
    "  - SITE_URL must be the site's absolute address",
    "  - MAIL_SERVER must be set",
]


def assert_every_problem_printed(stderr: str) -> None:
    for line in EXPECTED_LINES:
        assert line in stderr, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]


def test_wsgi_prints_every_problem_and_exits(tmp_path):
    result = run(
        [sys.executable, "-c", "import wsgi"], child_env(MARKETPLACE_ENV="production"), tmp_path
    )
    assert result.returncode == 4
    assert_every_problem_printed(result.stderr)
    assert result.stderr.index("SECRET_KEY") < result.stderr.index("MAIL_SERVER")


def test_the_flask_command_stops_with_the_same_lines(tmp_path):
    result = run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        child_env(MARKETPLACE_ENV="production"),
        tmp_path,
    )
    assert result.returncode != 0
    assert_every_problem_printed(result.stderr)


def test_gunicorn_stops_instead_of_restarting_workers(tmp_path):
    """A worker exits with gunicorn's "app failed to load" code, so the master stops (with
    any other code it would fork the next worker to fail the same way, forever).  The
    master's own exit code is 4, or 1 when the second worker's failure arrives while it
    is already stopping (gunicorn raises its halt again there)."""
    env = child_env(MARKETPLACE_ENV="production", XDG_RUNTIME_DIR=str(tmp_path))  # own socket
    command = ["--chdir", str(ROOT), "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"]
    result = run([str(BIN / "gunicorn"), *command], env, tmp_path, timeout=180)
    assert result.returncode in (1, 4), result.stderr[-3000:]
    assert "App failed to load" in result.stderr
    assert result.stderr.count("Booting worker with pid") <= 2  # none forked again
    for line in EXPECTED_LINES:
        assert line in result.stderr


PROBE = textwrap.dedent(
    """
    import json, sys
    import sqlalchemy as sa
    from wsgi import app
    from marketplace.extensions import db

    with app.app_context():
        pool = db.engine.pool
        result = {
            "dialect": db.engine.dialect.name,
            "pool": type(pool).__name__,
            "size": pool.size() if hasattr(pool, "size") else None,
            "overflow": getattr(pool, "_max_overflow", None),
            "recycle": getattr(pool, "_recycle", None),
            "timeout": getattr(pool, "_timeout", None),
            "env": app.config["ENV_NAME"],
        }
        if sys.argv[1] == "connect":
            result["one"] = db.session.execute(sa.text("SELECT 1")).scalar()
    print(json.dumps(result))
    """
)


def probe(env: dict[str, str], tmp_path, connect: bool) -> dict:
    result = run([sys.executable, "-c", PROBE, "connect" if connect else "-"], env, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_complete_production_config_starts_with_the_pool_settings(tmp_path):
    settings = {name: str(value) for name, value in POOL.items()}
    env = child_env(MARKETPLACE_ENV="production", **COMPLETE, **settings)
    outcome = probe(env, tmp_path, connect=ON_POSTGRESQL)
    assert outcome["env"] == "production"
    assert outcome["dialect"] == "postgresql"
    assert (outcome["size"], outcome["overflow"], outcome["recycle"], outcome["timeout"]) == (
        3,
        2,
        120,
        7,
    )
    if ON_POSTGRESQL:
        assert outcome["one"] == 1  # the options are accepted by a real connection


def test_development_needs_none_of_it_and_sqlite_keeps_its_pool(tmp_path):
    """``make run``: no SECRET_KEY, REDIS_URL, SITE_URL or mail; the pool settings, even
    if set, do not reach SQLite (a ``:memory:`` database's StaticPool refuses ``pool_size``)."""
    settings = {name: str(value) for name, value in POOL.items()}
    # An explicit throw-away database, so the probe never touches instance/marketplace.db.
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path}/dev.db", **settings)
    outcome = probe(env, tmp_path, connect=True)
    assert outcome["env"] == "development"
    assert outcome["dialect"] == "sqlite"
    assert outcome["one"] == 1
    assert outcome["size"] != 3 and outcome["overflow"] != 2 and outcome["recycle"] != 120

    memory = probe(child_env(DATABASE_URL="sqlite://", **settings), tmp_path, connect=True)
    assert memory["pool"] == "StaticPool"  # flask-sqlalchemy's, which refuses pool_size
    assert memory["one"] == 1
