"""Inquiries: a buyer's question to one supplier, and its message thread."""
