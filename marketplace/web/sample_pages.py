"""Sample request pages (filled below)."""
