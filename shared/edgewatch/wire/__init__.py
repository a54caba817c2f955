"""Wire formats shared by every concern: bodies, JSON documents, batch items, timestamps,
service names, attributes, OTLP common values and query parameters. No concern owns them."""
