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

account_email = _signals.signal(
    "account-email",
    doc="""An e-mail to a person about their account (sender: the ``User``; keyword
    arguments ``subject`` and ``body``, already in the person's language), such as a
    password reset link. It must be written in the same transaction and sent after the
    commit: ``marketplace.notifications.services.send_account_email``.""",
)
