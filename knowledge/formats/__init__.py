"""Import and export formats: debunk-pack/1, schema.org ClaimReview, the EUvsDisinfo CSV, and the
registry that detects and reads any of them."""
