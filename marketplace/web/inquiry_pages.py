"""Inquiry pages for buyers and supplier members (being built)."""
