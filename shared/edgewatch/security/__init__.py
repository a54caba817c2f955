"""Security core: one request's check (block-list, threats, allow-list, rate limit), the sliding-log
rate limiter, identity and sharding, the block-list and automatic blocks, anomaly detection, threat
detection, security events and their summaries, the settings, and the RPC messages between the
security Worker and its Durable Objects.

The interface is its modules, listed in ``__all__``; this file imports none of them, so that a
protected Worker importing ``check_client`` (through ``edgewatch_cf.guard``) pays for no more.
"""

from __future__ import annotations

__all__ = [
    "anomaly",  # spikes against learned baselines, credential-stuffing shapes
    "api_input",  # the admin body, the summary's range rules, an events query's shard page
    "blocklist",  # block entries, manual and automatic blocks, the isolate's cached copy
    "check_client",  # what edgewatch_cf.guard sends and how a refusal reads
    "checkflow",  # one request's check: prepare, the limiter's decision, conclude
    "events",  # security events, their queries and summaries
    "identity",  # identifiers, addresses, allow-list, shards
    "limiter_calls",  # the evaluation and the reports the Worker sends its shards
    "messages",  # RPC payloads (edgewatch.codec)
    "ratelimit",  # the sliding-log limiter
    "rules",  # which rule governs a path
    "settings",  # SECURITY_CONFIG_JSON
    "threats",  # threat detection and scoring (with the detector modules it uses)
]
