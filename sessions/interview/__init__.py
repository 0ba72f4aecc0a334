"""The interview around the code: chat and notes (:mod:`.chat`), the problem bank
(:mod:`.problems`, with its files in ``data/problems/``), the session's record
(:mod:`.record`: the timeline and participants), and who may do what
(:mod:`.permissions`, the only home of every permission rule).

May import the core modules, :mod:`sessions.protocol` and :mod:`sessions.collab`.
"""
