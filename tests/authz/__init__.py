"""The authorization matrix: the framework and one rows module per area."""
