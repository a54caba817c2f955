"""Security Worker core: rate limiting, identity, block-list, anomaly detection, threats and security events."""
