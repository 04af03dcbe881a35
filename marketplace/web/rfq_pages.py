"""RFQ and quotation pages for buyers and supplier members (being built)."""
