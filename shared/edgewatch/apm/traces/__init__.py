"""Distributed tracing: spans from OTLP, their storage plan (shards, tail sampling, archive objects),
search, the waterfall of one trace, and the per-endpoint summary and service map."""
