"""Adapters between the Cloudflare Workers runtime and the edgewatch core.

Everything that touches `workers`, `js` or `pyodide` lives here or in the Worker entries.
"""
