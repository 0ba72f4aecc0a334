"""What the server says at start-up about running code: the containment, the toolchains."""

from __future__ import annotations

import logging
import os

from sessions.execution.probe import Capabilities
from sessions.execution.spec import Isolation

log = logging.getLogger("interview.exec")


def announce(capabilities: Capabilities, reasons: dict[str, str]) -> None:
    """Log what contains the runs: a warning for anything weaker than bubblewrap, or root."""
    isolation = capabilities.isolation
    languages = ", ".join(sorted(capabilities.runtimes))
    tried = f" (stronger levels tried: {'; '.join(capabilities.attempts)})"
    tried = tried if capabilities.attempts else ""
    if isolation is Isolation.BUBBLEWRAP:
        log.info("code execution on for %s, in a bubblewrap sandbox", languages)
    elif isolation is Isolation.NAMESPACES:
        log.warning(
            "code execution on for %s with PARTIAL containment: user, network and PID "
            "namespaces, no filesystem isolation (runs read and write what the server's user "
            "can)%s",
            languages,
            tried,
        )
    else:
        log.warning(
            "code execution on for %s with rlimits only: NO network, filesystem or process "
            "isolation (runs reach the network and read and write what the server's user "
            "can)%s. Run the server as an unprivileged user or in a container.",
            languages,
            tried,
        )
    versions = ", ".join(f"{name} {v}" for name, v in sorted(capabilities.versions.items()))
    log.info("toolchains found: %s", versions or "none beyond the server's Python")
    for language, why in sorted(reasons.items()):
        log.info("%s does not run here: %s", language, why)
    cgroup = capabilities.sandbox.cgroup
    if cgroup is not None:
        log.info("each run gets a pids cgroup under %s", cgroup)
    if os.geteuid() == 0:
        log.warning(
            "code execution on while the server runs as root: a hole in the isolation is a "
            "hole into root%s; run it as an unprivileged user",
            ""
            if cgroup is not None
            else ", and without a pids cgroup only the launcher's "
            "watchdog limits a run's processes (root ignores RLIMIT_NPROC)",
        )
