"""Sample requests: a buyer asks a supplier for sample pairs of one product."""
