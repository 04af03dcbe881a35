"""A real S3-compatible server for tests: moto's standalone server, in its own process.

``s3_server`` is a session-scoped fixture (one server per pytest-xdist worker, each on
its own free port) that also creates one bucket for the session and puts test
credentials in the environment, where boto3 finds them as it would in production.
``start_server()`` does the same outside pytest (the scale-out test):

    python -m tests.s3server --bucket NAME   # prints the endpoint, runs until killed
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
START_TIMEOUT_SECONDS = 60


def moto_server_command() -> str:
    beside_python = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if os.path.exists(beside_python):
        return beside_python
    found = shutil.which("moto_server")
    if not found:
        raise RuntimeError("moto_server is not installed (pip install 'moto[server]')")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    process: subprocess.Popen
    port: int
    log_path: str
    bucket: str = ""
    _log: object = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        ).client("s3", endpoint_url=self.endpoint_url)

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log_path)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_server(attempts: int = 3) -> S3Server:
    """Start moto's server on a free port and wait until it answers."""
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by S3Server.stop
            prefix="moto-", suffix=".log", delete=False
        )
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            [moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        server = S3Server(process=process, port=port, log_path=log.name, _log=log)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return server
            time.sleep(0.2)
        last_error = server.log()
        server.stop()  # the port was taken meanwhile, or it never came up: try another
    raise RuntimeError(f"moto_server did not start:\n{last_error}")


@pytest.fixture(scope="session")
def s3_server():
    """A running S3 server with a bucket for this session; AWS_* point at it."""
    patch = pytest.MonkeyPatch()
    for name, value in CREDENTIALS.items():
        patch.setenv(name, value)
    server = start_server()
    try:
        server.bucket = f"mp-test-{uuid.uuid4().hex[:12]}"
        server.client().create_bucket(Bucket=server.bucket)
        yield server
    finally:
        server.stop()
        patch.undo()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Run moto's S3 server on a free port.")
    parser.add_argument("--bucket", help="create this bucket once the server answers")
    args = parser.parse_args(argv)
    for name, value in CREDENTIALS.items():
        os.environ.setdefault(name, value)
    # A plain kill (SIGTERM) must stop the server too, not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = start_server()
    if args.bucket:
        server.client().create_bucket(Bucket=args.bucket)
    print(server.endpoint_url, flush=True)  # the first line: what a script waits for
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
