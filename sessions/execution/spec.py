"""The data of running code: isolation levels, limits, and the languages that can run."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

KIB = 1024
MIB = 1024 * KIB


class Isolation(StrEnum):
    """What contains a run, strongest first. ``OFF``: execution is disabled."""

    BUBBLEWRAP = "bubblewrap"
    NAMESPACES = "namespaces"
    RLIMITS = "rlimits"
    OFF = "off"

    @property
    def strength(self) -> int:
        """Higher is stronger: bubblewrap 3, namespaces 2, rlimits 1, off 0."""
        return {"bubblewrap": 3, "namespaces": 2, "rlimits": 1, "off": 0}[self.value]

    @property
    def isolates_network(self) -> bool:
        """True when a run gets a network namespace of its own (nothing but a dead loopback)."""
        return self in (Isolation.BUBBLEWRAP, Isolation.NAMESPACES)

    @property
    def isolates_processes(self) -> bool:
        """True when a run gets a PID namespace: it sees no other process, none outlives it."""
        return self in (Isolation.BUBBLEWRAP, Isolation.NAMESPACES)

    @property
    def isolates_files(self) -> bool:
        """True when a run sees a read-only system and a private tmpfs, not the host's files."""
        return self is Isolation.BUBBLEWRAP


@dataclass(frozen=True, slots=True)
class RunLimits:
    """The containment of one run (from :class:`~sessions.config.Config`)."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 512 * MIB
    file_bytes: int = 16 * MIB
    processes: int = 64
    open_files: int = 256
    output_bytes: int = 64 * KIB
    tmpfs_bytes: int = 64 * MIB

    @property
    def memory_mib(self) -> int:
        return max(1, self.memory_bytes // MIB)


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """How one language runs: its source file, its harness file, its interpreter's flags.

    ``address_space_extra``: bytes added to RLIMIT_AS for runtimes that reserve virtual
    memory they never touch (V8 reserves its code range up front and will not start in
    512 MiB of address space); their heap is capped by their own flag instead.
    """

    id: str
    source_name: str
    harness_name: str
    program: str
    flags: tuple[str, ...]
    address_space_extra: int = 0
    run: tuple[str, ...] = ()
    """The run's command line as a template (see :func:`expand`); empty: ``program flags
    script``, with ``program`` resolved at start-up (python, node)."""
    compile: tuple[str, ...] = ()
    """The compile phase's command line as a template; empty: nothing to compile."""
    compile_address_space_extra: int = 0
    packages: tuple[str, ...] = ()
    """The Debian packages that bring the toolchain (said when it is missing)."""
    jvm_option: str | None = None
    """A compiler that runs on the JVM: the prefix its command line gives JVM options
    (``""`` for ``java ... Compiler``, ``"-J"`` for javac); None for the others. Such a
    compiler starts from a class-data archive (:mod:`.jvm_archive`)."""

    @property
    def compiled(self) -> bool:
        return bool(self.compile)

    def argv(self, interpreter: str, script: str, limits: RunLimits) -> list[str]:
        """The program's command line (paths as the program sees them)."""
        flags = [flag.format(memory_mib=limits.memory_mib) for flag in self.flags]
        return [interpreter, *flags, script]


def expand(template: tuple[str, ...], values: dict[str, str], sources: list[str]) -> list[str]:
    """A command template filled in: ``{sources}`` alone is replaced by every source file;
    any other ``{name}`` by ``values[name]`` (``src``, ``out``, ``script``, ``main``,
    ``memory_mib``)."""
    argv: list[str] = []
    for part in template:
        if part == "{sources}":
            argv += sources
        else:
            argv.append(part.format(**values))
    return argv


PYTHON = LanguageSpec(
    id="python",
    source_name="solution.py",
    harness_name="harness.py",
    program="python",
    # -I: no user site, no PYTHON* variables, script dir not prepended; -u: output as produced.
    flags=("-I", "-u", "-X", "utf8"),
)
JAVASCRIPT = LanguageSpec(
    id="javascript",
    source_name="solution.js",
    harness_name="harness.js",
    program="node",
    flags=("--max-old-space-size={memory_mib}", "--unhandled-rejections=strict"),
    address_space_extra=1024 * MIB,
)
SPECS: dict[str, LanguageSpec] = {spec.id: spec for spec in (PYTHON, JAVASCRIPT)}
"""The languages this server knows how to run; the others are never runnable."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """A language that runs on this machine: its spec, interpreter and install folder.

    ``root``: a folder the sandbox must show read-only for the interpreter to work (its
    prefix, when it lives outside ``/usr``), or None.
    """

    spec: LanguageSpec
    interpreter: str
    root: str | None = None
    archive: str | None = None
    """The compiler's class-data archive on the host (:mod:`.jvm_archive`), or None."""
    dumping: bool = False
    """The compile writes that archive (once per machine, with the trial program)."""
