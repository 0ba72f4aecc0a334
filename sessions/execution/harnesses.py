"""Which languages have a per-test harness: language id -> its job builder.

One line per language; each builder lives in a module of its own (or its family's) and uses
the helpers of :mod:`.harness`. A language without an entry runs its code as a plain
program even when a problem is set.
"""

from __future__ import annotations

from sessions.execution import (
    harness_c,
    harness_cpp,
    harness_csharp,
    harness_go,
    harness_java,
    harness_javascript,
    harness_kotlin,
    harness_python,
    harness_rust,
    harness_scala,
    harness_scripting,
    harness_sql,
    harness_typescript,
)
from sessions.execution.harness import Builder

BUILDERS: dict[str, Builder] = {
    "python": harness_python.build,
    "javascript": harness_javascript.build,
    "typescript": harness_typescript.build,
    "c": harness_c.build,
    "cpp": harness_cpp.build,
    "go": harness_go.build,
    "rust": harness_rust.build,
    "ruby": harness_scripting.build,
    "php": harness_scripting.build,
    "shell": harness_scripting.build,
    "sql": harness_sql.build,
    "java": harness_java.build,
    "csharp": harness_csharp.build,
    "kotlin": harness_kotlin.build,
    "scala": harness_scala.build,
}
