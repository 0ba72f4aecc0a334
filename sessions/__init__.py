"""interview-server's domain: sessions, documents, operations, protocol. No I/O outside ``web``.

The package is layered; each folder may import only the layers above it in this list:

* the core modules here — :mod:`.errors`, :mod:`.clock`, :mod:`.config`, :mod:`.version`,
  :mod:`.languages`, :mod:`.limits`, :mod:`.metrics`: facts and numbers every layer shares;
* :mod:`.protocol` — what crosses the wire: field readers, client messages, server frames,
  REST bodies;
* :mod:`.collab` — concurrent editing: operations, the document and its op log;
* :mod:`.interview` — the interview around the code: chat, problems, the record, the
  report, who may do what;
* :mod:`.room` — a session and what happens in it: presence, edits, the interview's actions,
  the store, and the outcome every action returns;
* :mod:`.persistence` and :mod:`.execution` — the journal and snapshots; running code;
* :mod:`.web` — aiohttp: the only subpackage that does network I/O.
"""
