"""Running many interview servers behind nginx, kept by an existing supervisor.

* :mod:`deploy.topology` — who the workers are: shard names, addresses, the public listener;
* :mod:`deploy.nginx` — the nginx configuration routing by the shard in a session id;
* :mod:`deploy.supervisor` — the supervisord configuration that keeps the workers (and, for
  a local cluster, nginx) running;
* :mod:`deploy.cluster` — the command line: ``python -m deploy.cluster up`` (what
  ``make cluster`` runs), ``nginx`` and ``supervisor`` to print the files for a real host;
* ``deploy/systemd/`` — template units for a real host.

Nothing here is part of a worker: a worker is ``server.py`` as always, with ``--shard``. This
package may import :mod:`sessions.config` (for the shard-name rule) and the standard library;
never aiohttp, never the web layer.
"""
