"""Free-form jobs of the languages beyond Python and JavaScript: which file, which main.

Without a problem the candidate's file is the whole program. The file's name and the class
to start come from the code where the language ties them to it (Java: the public class names
the file, the class with ``main`` is started; Scala: the object with ``main`` or ``App``).
"""

from __future__ import annotations

import re

from sessions.execution.harness import Job
from sessions.execution.spec import LanguageSpec

TSC_SCRIPT = "tsc.js"
TSC_SOURCE = r"""
"use strict";
// Transpiles every .ts file of its folder to CommonJS in the folder named on its command
// line; syntax errors are reported as file(line,column): error TSnnnn: message, exit 1.
const fs = require("fs");
const path = require("path");
const ts = require("/usr/share/nodejs/typescript");
const out = process.argv[2];
let failed = false;
for (const name of fs.readdirSync(__dirname)) {
  if (!name.endsWith(".ts")) continue;
  const text = fs.readFileSync(path.join(__dirname, name), "utf8");
  const done = ts.transpileModule(text, {
    fileName: name,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  });
  for (const d of done.diagnostics || []) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const where = d.file
      ? d.file.getLineAndCharacterOfPosition(d.start || 0)
      : { line: 0, character: 0 };
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const at = `${name}(${where.line + 1},${where.character + 1})`;
    process.stderr.write(`${at}: error TS${d.code}: ${message}\n`);
    failed = true;
  }
  fs.writeFileSync(path.join(out, name.replace(/\.ts$/, ".js")), done.outputText);
}
for (const name of fs.readdirSync(__dirname)) {
  const copied = (name.endsWith(".js") && name !== "tsc.js") || name.endsWith(".json");
  if (copied) fs.copyFileSync(path.join(__dirname, name), path.join(out, name));
}
process.exit(failed ? 1 : 0);
"""
_JAVA_PUBLIC = re.compile(r"^\s*public\s+(?:(?:final|abstract|strictfp)\s+)*class\s+(\w+)", re.M)
_JAVA_CLASS = re.compile(r"\b(?:class|interface|enum|record)\s+(\w+)")
_MAIN = re.compile(r"\bstatic\s+void\s+main\s*\(")
_SCALA_APP = re.compile(r"\bobject\s+(\w+)\s+extends\s+App\b")
_SCALA_OBJECT = re.compile(r"\bobject\s+(\w+)")
_SCALA_MAIN = re.compile(r"\bdef\s+main\s*\(")


def java_file(code: str, default: str = "Solution") -> str:
    """The file name the code's public class needs (``Solution.java`` without one)."""
    match = _JAVA_PUBLIC.search(code)
    return (match[1] if match else default) + ".java"


def java_main(code: str) -> str:
    """The class whose body holds ``static void main`` (the last class declared before it)."""
    found = _MAIN.search(code)
    if found is None:
        return "Main"
    names = _JAVA_CLASS.findall(code[: found.start()])
    return names[-1] if names else "Main"


def scala_main(code: str) -> str:
    """The object that extends ``App`` or declares ``main`` (``Main`` without one)."""
    app = _SCALA_APP.search(code)
    if app is not None:
        return app[1]
    found = _SCALA_MAIN.search(code)
    if found is None:
        return "Main"
    names = _SCALA_OBJECT.findall(code[: found.start()])
    return names[-1] if names else "Main"


def plain_job(spec: LanguageSpec, code: str) -> Job:
    """``code`` as a whole program in ``spec``'s language."""
    name = spec.source_name
    main = ""
    files: dict[str, str] = {}
    if spec.id == "java":
        name = java_file(code, default=java_main(code))
        main = java_main(code)
    elif spec.id == "kotlin":
        main = "SolutionKt"
    elif spec.id == "scala":
        main = scala_main(code)
    elif spec.id == "typescript":
        main = "solution.js"
        files[TSC_SCRIPT] = TSC_SOURCE
    files[name] = code
    sources = (name,) if spec.compiled else ()
    return Job(files, name, harnessed=False, total=None, main=main, sources=sources, candidate=name)
