"""Log aggregation core: ingest parsing, sampling, PII scrubbing, archive encoding, index and search."""
