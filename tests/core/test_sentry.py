"""Sentry: an unexpected exception in a view reaches the DSN's server (a real HTTP server
here, recording what it is sent), without cookies or client addresses; without a DSN
nothing is sent.  The app runs in a child process: sentry_sdk.init() is process-wide."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_COOKIE = "secret-session-cookie-value-7f3a"
CLIENT_ADDRESS = "198.51.100.73"


class Receiver(BaseHTTPRequestHandler):
    """Records every POST (an event envelope) and answers like Sentry does."""

    received: list[dict]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli  # only when sentry-sdk found it installed

            body = brotli.decompress(body)
        self.server.received.append({"path": self.path, "body": body.decode("utf-8", "replace")})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


APP = textwrap.dedent(
    """
    import json, sys
    import sentry_sdk
    from config import TestingConfig
    from marketplace import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        UPLOAD_DIR = sys.argv[2]
        SENTRY_DSN = sys.argv[1]

    app = create_app(Config)

    def broken_view():
        raise RuntimeError("the slipper press jammed")

    app.add_url_rule("/broken", "broken", broken_view)
    client = app.test_client()
    client.set_cookie("mp_session", "{cookie}")
    broken = client.get("/broken?sku=A-1", environ_base={{"REMOTE_ADDR": "{address}"}})
    missing = client.get("/no-such-page")
    sentry_sdk.flush(timeout=10)
    print(json.dumps({{
        "broken": broken.status_code,
        "missing": missing.status_code,
        "active": sentry_sdk.get_client().is_active(),
    }}))
    """
).format(cookie=SECRET_COOKIE, address=CLIENT_ADDRESS)


def run_app(dsn: str, tmp_path, **extra_env: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra_env)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", APP, dsn, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def events(received: list[dict]) -> list[dict]:
    """The error events among the envelopes (a header line, then item header/payload
    line pairs)."""
    found = []
    for envelope in received:
        lines = envelope["body"].splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_unexpected_exception_is_reported_to_the_dsn(receiver, tmp_path):
    port = receiver.server_address[1]
    outcome = run_app(f"http://publickey@127.0.0.1:{port}/42", tmp_path)
    assert outcome == {"broken": 500, "missing": 404, "active": True}

    deadline = time.monotonic() + 10  # flush() returned; the server thread may lag a little
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.received, "nothing reached the DSN's server"
    assert {item["path"] for item in receiver.received} == {"/api/42/envelope/"}
    reported = events(receiver.received)
    assert len(reported) == 1, reported  # the 500 once (not again as a log line); no 404
    event = reported[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the slipper press jammed"
    assert event["environment"] == "testing"  # SENTRY_ENVIRONMENT defaults to ENV_NAME
    assert event["request"]["url"].endswith("/broken")
    # send_default_pii=False: no cookies, no client address.
    everything = "".join(item["body"] for item in receiver.received)
    assert SECRET_COOKIE not in everything
    assert CLIENT_ADDRESS not in everything


def test_without_a_dsn_nothing_is_sent(receiver, tmp_path):
    # Even with the variable sentry_sdk.init() would read by itself: init is never called.
    dsn = f"http://publickey@127.0.0.1:{receiver.server_address[1]}/42"
    outcome = run_app("", tmp_path, SENTRY_DSN=dsn)
    assert outcome == {"broken": 500, "missing": 404, "active": False}
    time.sleep(0.5)  # room for a stray report to arrive; none may
    assert receiver.received == []
