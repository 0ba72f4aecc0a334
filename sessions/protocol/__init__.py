"""What crosses the wire, and nothing else: JSON in and out and one reader per field
(:mod:`.fields`), the client messages that parse themselves (:mod:`.messages`), request
inputs declared once with their check and their JSON Schema (:mod:`.inputs`), and the REST
request bodies declared with them (:mod:`.validation`).

May import the core modules of :mod:`sessions` only (errors, limits, languages).
"""
