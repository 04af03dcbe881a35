"""What the accounts domain announces to the domains above it (blinker signals).

Accounts sit at the bottom of the domain layers (pyproject.toml, ``domain-layers``): they
never import a higher domain. Instead they send these signals; the higher domain's
receivers are connected by ``create_app`` (``register_receivers``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

supplier_registered = _signals.signal(
    "supplier-registered",
    doc="""A supplier owner's account is being registered (sender: the new ``User``, not
    flushed yet). Its company must be created in the same transaction:
    ``marketplace.suppliers.services.create_owner_company``.""",
)
