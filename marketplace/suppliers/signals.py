"""What the suppliers domain announces to the domains above it (blinker signals).

Suppliers never import a higher domain (pyproject.toml, ``domain-layers``); the receivers
are connected by ``create_app`` (``register_receivers``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

identity_changing = _signals.signal(
    "supplier-identity-changing",
    doc="""A company's name or address is about to change (sender: the ``Supplier``, not
    changed yet; ``values``: the new texts by field name). A receiver answers with the
    prohibited terms it finds, ``{field: term}``; any answer refuses the change:
    ``marketplace.moderation.checks.prohibited_terms_in_identity``.""",
)
