// make vendor: bundle CodeMirror into an ES module (codemirror.js) and the optional Vim and Emacs
// keymaps into their own (vim.js, emacs.js, loaded only when chosen), sharing one copy of
// CodeMirror through a common chunk (two copies of @codemirror/state would not work together);
// collect the licence of every package that ends up in them; copy axe-core (tests only) next
// to the browser tests.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(root, "sessions", "web", "static", "vendor");
mkdirSync(out, { recursive: true });
for (const old of readdirSync(out)) if (/^chunk-.*\.js$/.test(old)) rmSync(join(out, old));

const result = await build({
  entryPoints: {
    codemirror: join(here, "entry.js"),
    vim: join(here, "vim.js"),
    emacs: join(here, "emacs.js"),
  },
  bundle: true,
  splitting: true,
  chunkNames: "chunk-[hash]",
  format: "esm",
  minify: true,
  legalComments: "none",
  target: "es2020",
  outdir: out,
  metafile: true,
  logLevel: "warning",
});

// Every package with at least one input file in the bundle, with its licence text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
const sections = [];
for (const name of [...packages].sort()) {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[sc]e/i.test(f));
  if (!file) throw new Error(`no licence file in ${name}`);
  const text = readFileSync(join(dir, file), "utf8").trim();
  sections.push(`${name} ${meta.version} (${meta.license})\n${"-".repeat(60)}\n${text}\n`);
}
writeFileSync(
  join(out, "LICENSES.txt"),
  "Third-party code bundled in codemirror.js, vim.js, emacs.js and their chunk (built by `make vendor` from frontend/package-lock.json)\n\n" +
    sections.join("\n"),
);
copyFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), join(root, "tests", "browser", "axe.min.js"));
console.log(`vendor: ${packages.size} packages bundled into ${join(out, "codemirror.js")}`);
