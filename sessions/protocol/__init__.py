"""What crosses the wire, and nothing else: JSON in and out and one reader per field
(:mod:`.fields`), the client messages that parse themselves (:mod:`.messages`), the REST
request bodies (:mod:`.validation`).

May import the core modules of :mod:`sessions` only (errors, limits, languages).
"""
