"""Concurrent editing: the operation model and its transform (:mod:`.ot`), the document
with its revision and op log (:mod:`.document`), and the chunked log both the op log and the
timeline are kept in (:mod:`.chunked`). Pure and synchronous.

May import the core modules of :mod:`sessions` only.
"""
