"""A session and what happens in it: the session itself (:mod:`.session`), the in-memory
store of sessions (:mod:`.store`), how its persistent fields are declared (:mod:`.stored`),
presence (:mod:`.presence`), edits, cursors and settings (:mod:`.editing`), the interview's
actions (:mod:`.interview`: chat, notes, the problem, the end, removals), the
report on a session (:mod:`.report`), every frame the server sends (:mod:`.frames`) and what
an action returns (:mod:`.outcome`). Each action is one synchronous call returning an
outcome for the transport to commit.

May import the core modules, :mod:`sessions.protocol`, :mod:`sessions.collab` and
:mod:`sessions.interview`; never :mod:`sessions.persistence`, :mod:`sessions.execution` or
:mod:`sessions.web`.
"""
