"""In-app notifications and the e-mail outbox (written in the action's transaction,
sent after commit)."""
