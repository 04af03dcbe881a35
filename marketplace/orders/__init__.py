"""Orders: from an accepted quotation (or an inquiry) to delivery, with their documents."""
