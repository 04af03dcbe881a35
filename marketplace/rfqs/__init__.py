"""RFQs broadcast to the cluster, their matching to suppliers, and quotations."""
