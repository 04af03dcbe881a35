"""gunicorn hooks (gunicorn reads ./gunicorn.conf.py by itself when started from the
project directory; give ``--config`` otherwise).  Only hooks live here: workers, bind
and timeouts stay on the command line or in the service unit.

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker keeps its request metrics in files
in that directory, and ``/metrics`` adds them up (marketplace/metrics.py):

- at start the directory is emptied, so counts of an earlier run are not added again;
- when a worker exits, prometheus_client is told, so its live gauges are dropped (its
  counters and histograms stay: what it counted still happened).
"""

from __future__ import annotations

import os
from pathlib import Path


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for leftover in path.glob("*.db"):
        leftover.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
