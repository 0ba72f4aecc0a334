"""Every language's toolchain, declared once: packages, commands, file names, trial program.

Python and JavaScript are declared in :mod:`.spec` (their interpreter is found on the PATH);
the others here, with absolute paths to Debian 12's packages. A command is a template
(:func:`~sessions.execution.spec.expand`): ``{src}`` is the sources' folder as the program
sees it, ``{out}`` the compile phase's output folder, ``{script}`` the file to run, ``{main}``
the class or object to start, ``{memory_mib}`` the phase's memory, ``{sources}`` every source
file. The start-up probe (:mod:`.toolchain_probe`) compiles and runs each :data:`TRIALS`
program inside the sandbox; only what printed ``ok`` is runnable.
"""

from __future__ import annotations

from sessions.execution.spec import JAVASCRIPT, MIB, PYTHON, LanguageSpec

JVM = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:MaxMetaspaceSize=256m",
    "-Xshare:auto",
)
"""JVM flags for every Java, Kotlin and Scala phase: a small reserved address space (the
address-space limit counts reservations), one GC thread, a fast start."""
JVM_EXTRA = 2048 * MIB


def java(*args: str) -> tuple[str, ...]:
    """A command on the JVM with this module's flags and the phase's heap (``{memory_mib}``):
    every Kotlin and Scala phase, the compilers included, is one of these."""
    return ("/usr/bin/java", *JVM, "-Xmx{memory_mib}m", *args)


KOTLIN_HOME = "/usr/share/kotlin/kotlinc"
SCALA_LIB = "/usr/share/scala-2.11/lib"
TYPESCRIPT_MODULE = "/usr/share/nodejs/typescript"
SWIFT_REASON = "no Debian package for swift: it cannot run on this server"
PLAINTEXT_REASON = "plain text is not a program"

C = LanguageSpec(
    id="c",
    source_name="solution.c",
    harness_name="main.c",
    program="/usr/bin/gcc",
    flags=(),
    compile=("/usr/bin/gcc", "-O2", "-std=gnu17", "-pipe", "-o", "{out}/main", "{sources}", "-lm"),
    run=("{out}/main",),
    packages=("gcc",),
)
CPP = LanguageSpec(
    id="cpp",
    source_name="solution.cpp",
    harness_name="main.cpp",
    program="/usr/bin/g++",
    flags=(),
    compile=("/usr/bin/g++", "-O2", "-std=gnu++17", "-pipe", "-o", "{out}/main", "{sources}"),
    run=("{out}/main",),
    packages=("g++",),
)
GO = LanguageSpec(
    id="go",
    source_name="solution.go",
    harness_name="main.go",
    program="/usr/bin/go",
    flags=(),
    compile=(
        "/usr/bin/env",
        "GOCACHE=/tmp/go-cache",
        "GOPATH=/tmp/go",
        "GO111MODULE=off",
        "GOFLAGS=-buildvcs=false",
        "GOTOOLCHAIN=local",
        "/usr/bin/go",
        "build",
        "-o",
        "{out}/main",
        "{sources}",
    ),
    run=("{out}/main",),
    address_space_extra=1024 * MIB,
    compile_address_space_extra=1024 * MIB,
    packages=("golang-go",),
)
RUST = LanguageSpec(
    id="rust",
    source_name="solution.rs",
    harness_name="main.rs",
    program="/usr/bin/rustc",
    flags=(),
    compile=(
        "/usr/bin/rustc",
        "--edition",
        "2021",
        "-C",
        "opt-level=1",
        "--error-format=short",
        "-o",
        "{out}/main",
        "{script}",
    ),
    run=("{out}/main",),
    compile_address_space_extra=1024 * MIB,
    packages=("rustc",),
)
JAVA = LanguageSpec(
    id="java",
    source_name="Solution.java",
    harness_name="Main.java",
    program="/usr/bin/javac",
    flags=(),
    compile=(
        "/usr/bin/javac",
        *(f"-J{flag}" for flag in JVM),
        "-J-Xmx{memory_mib}m",
        "-encoding",
        "UTF-8",
        "-d",
        "{out}",
        "{sources}",
    ),
    run=java("-cp", "{out}", "{main}"),
    address_space_extra=JVM_EXTRA,
    compile_address_space_extra=JVM_EXTRA,
    jvm_option="-J",
    packages=("default-jdk-headless",),
)
CSHARP = LanguageSpec(
    id="csharp",
    source_name="solution.cs",
    harness_name="harness.cs",
    program="/usr/bin/mcs",
    flags=(),
    compile=("/usr/bin/mcs", "-optimize+", "-nologo", "-out:{out}/run.exe", "-recurse:{src}/*.cs"),
    run=("/usr/bin/mono", "{out}/run.exe"),
    address_space_extra=1024 * MIB,
    compile_address_space_extra=1024 * MIB,
    packages=("mono-mcs", "mono-runtime"),
)
KOTLIN = LanguageSpec(
    id="kotlin",
    source_name="solution.kt",
    harness_name="harness.kt",
    program=f"{KOTLIN_HOME}/lib/kotlin-compiler.jar",
    flags=(),
    compile=java(
        f"-Dkotlin.home={KOTLIN_HOME}",
        "-cp",
        f"{KOTLIN_HOME}/lib/kotlin-preloader.jar",
        "org.jetbrains.kotlin.preloading.Preloader",
        "-cp",
        f"{KOTLIN_HOME}/lib/kotlin-compiler.jar",
        "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler",
        "-no-reflect",
        "-nowarn",
        "-d",
        "{out}",
        "{sources}",
    ),
    run=java("-cp", f"{{out}}:{KOTLIN_HOME}/lib/kotlin-stdlib.jar", "{main}"),
    address_space_extra=JVM_EXTRA,
    compile_address_space_extra=JVM_EXTRA,
    jvm_option="",
    packages=("kotlin",),
)
SCALA = LanguageSpec(
    id="scala",
    source_name="solution.scala",
    harness_name="harness.scala",
    program=f"{SCALA_LIB}/scala-compiler.jar",
    flags=(),
    compile=java(
        "-cp",
        f"{SCALA_LIB}/scala-compiler.jar:{SCALA_LIB}/scala-library.jar:"
        f"{SCALA_LIB}/scala-reflect.jar",
        "-Dscala.usejavacp=true",
        "scala.tools.nsc.Main",
        "-nowarn",
        "-d",
        "{out}",
        "{sources}",
    ),
    run=java("-cp", f"{{out}}:{SCALA_LIB}/scala-library.jar", "{main}"),
    address_space_extra=JVM_EXTRA,
    compile_address_space_extra=JVM_EXTRA,
    jvm_option="",
    packages=("scala",),
)
TYPESCRIPT = LanguageSpec(
    id="typescript",
    source_name="solution.ts",
    harness_name="harness.js",
    program=f"{TYPESCRIPT_MODULE}/package.json",
    flags=(),
    compile=("/usr/bin/node", "--max-old-space-size={memory_mib}", "{src}/tsc.js", "{out}"),
    run=(
        "/usr/bin/node",
        "--max-old-space-size={memory_mib}",
        "--unhandled-rejections=strict",
        "{out}/{main}",
    ),
    address_space_extra=JAVASCRIPT.address_space_extra,
    compile_address_space_extra=JAVASCRIPT.address_space_extra,
    packages=("node-typescript", "nodejs"),
)
RUBY = LanguageSpec(
    id="ruby",
    source_name="solution.rb",
    harness_name="harness.rb",
    program="/usr/bin/ruby",
    flags=(),
    run=("/usr/bin/ruby", "--disable-gems", "{script}"),
    packages=("ruby",),
)
PHP = LanguageSpec(
    id="php",
    source_name="solution.php",
    harness_name="harness.php",
    program="/usr/bin/php",
    flags=(),
    run=("/usr/bin/php", "-n", "-d", "display_errors=stderr", "-d", "memory_limit=-1", "{script}"),
    packages=("php-cli",),
)
SHELL = LanguageSpec(
    id="shell",
    source_name="solution.sh",
    harness_name="harness.sh",
    program="/usr/bin/bash",
    flags=(),
    run=("/usr/bin/bash", "{script}"),
    packages=("bash",),
)
SQL = LanguageSpec(
    id="sql",
    source_name="solution.sql",
    harness_name="harness_sql.py",
    program="python",
    flags=("-I", "-u", "-X", "utf8"),
    packages=(),
)

DECLARED: dict[str, LanguageSpec] = {
    spec.id: spec
    for spec in (
        PYTHON,
        JAVASCRIPT,
        TYPESCRIPT,
        JAVA,
        GO,
        C,
        CPP,
        CSHARP,
        KOTLIN,
        RUST,
        RUBY,
        PHP,
        SCALA,
        SQL,
        SHELL,
    )
}
"""Every language this server knows how to run (when its toolchain is here)."""
NEVER: dict[str, str] = {"swift": SWIFT_REASON, "plaintext": PLAINTEXT_REASON}
"""The languages that never run, and why."""

TRIALS: dict[str, str] = {
    "c": '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n',
    "cpp": '#include <iostream>\nint main() { std::cout << "ok" << std::endl; }\n',
    "go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n',
    "rust": 'fn main() { println!("ok"); }\n',
    "java": (
        "public class Main {\n"
        '    public static void main(String[] a) { System.out.println("ok"); }\n'
        "}\n"
    ),
    "csharp": 'class P { static void Main() { System.Console.WriteLine("ok"); } }\n',
    "kotlin": 'fun main() { println("ok") }\n',
    "scala": 'object Main { def main(args: Array[String]): Unit = println("ok") }\n',
    "typescript": 'const said: string = "ok";\nconsole.log(said);\n',
    "ruby": 'puts "ok"\n',
    "php": '<?php echo "ok\\n";\n',
    "shell": "echo ok\n",
    "sql": "SELECT 'ok' AS ok;\n",
}
"""A program per language that prints ``ok``: what the start-up probe compiles and runs."""
TRIAL_OUTPUT: dict[str, str] = {"sql": "ok\n--\nok\n(1 row)\n\n"}
"""What a trial prints when it is not ``ok`` alone (SQL shows its result as a table)."""


def missing_reason(spec: LanguageSpec) -> str:
    """Why a language whose toolchain is absent cannot run: the packages that bring it."""
    return f"toolchain not installed: apt-get install {' '.join(spec.packages)}"
