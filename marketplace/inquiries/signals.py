"""What the inquiries domain announces to the domains above it (blinker signals).

Inquiries never import a higher domain (pyproject.toml, ``domain-layers``); the receivers
are connected by ``create_app`` (``register_receivers``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

response_metrics_changed = _signals.signal(
    "response-metrics-changed",
    doc="""An inquiry addressed to a supplier was created or first answered (sender: the
    ``Supplier``): its response rate and median response time must be recomputed after the
    commit. ``marketplace.rfqs.tasks.queue_metrics_refresh`` does it.""",
)
