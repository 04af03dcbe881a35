"""A real SMTP server in its own process (aiosmtpd), for the scale-out test.

    python -m tests.scaleout.smtp_sink PORT DIRECTORY

Each accepted message is written to DIRECTORY as ``<n>.eml``.  While a file
``DIRECTORY/ehlo-delay`` holds a number of seconds, the server waits that long before
answering EHLO: a sender is then caught in the middle of its SMTP conversation, before
any message is accepted.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        delay_file = self.directory / "ehlo-delay"
        if delay_file.exists():
            await asyncio.sleep(float(delay_file.read_text() or 0))
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        (self.directory / f"{time.time_ns()}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
