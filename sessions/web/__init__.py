"""The transport: aiohttp handlers that translate HTTP and WebSocket traffic to domain calls.

This subpackage is the only part of :mod:`sessions` that imports aiohttp.
"""
