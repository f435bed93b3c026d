"""The claim matcher and what feeds it: normalisation, lexical and semantic retrieval, query
encoding, passages of long texts, and the calibrated decision (match, possible, none)."""
