"""Moderation and administration: review queue, verification, suspensions, reports."""
