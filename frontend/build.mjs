// make vendor: bundle CodeMirror into an ES module (codemirror.js) and the optional Vim and Emacs
// keymaps into their own (vim.js, emacs.js, loaded only when chosen), sharing one copy of
// CodeMirror through a common chunk (two copies of @codemirror/state would not work together);
// collect the licence of every package that ends up in them; copy axe-core (tests only) next
// to the browser tests.
import { build } from "esbuild";
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

// The whiteboard: Excalidraw and React as an ES module with chunks, its stylesheet, and the
// fonts its scenes use (served by this server: no CDN). Loaded by the room only when the
// board is first opened. Xiaolai (the CJK hand-drawn font, 13 MB) is left out: CJK text on
// the board uses the system's fonts.
// Left out as well, each replaced by a stub: Mermaid-to-diagram (mermaid, cytoscape, katex:
// 3 MB, a dialog the room hides), image resizing (images are refused, docs/protocol.md) and
// the translations (the room is in English; every locale resolves to the English one).
const stubs = {
  name: "board-stubs",
  setup(b) {
    b.onResolve({ filter: /^(@excalidraw\/mermaid-to-excalidraw|pica|image-blob-reduce)$/ }, (args) => ({
      path: args.path,
      namespace: "stub",
    }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({
      contents: `const refuse = () => { throw new Error("${args.path} is not part of this server's board"); };
export const parseMermaidToExcalidraw = refuse; export default refuse;`,
      loader: "js",
    }));
    // Excalidraw adds esm.sh as every font's last source: the CSP blocks it (font-src 'self')
    // but the browser reports each one. Fonts come from this server only.
    b.onLoad({ filter: /@excalidraw\/excalidraw\/dist\/prod\/chunk-[A-Z0-9]+\.js$/ }, (args) => {
      const code = readFileSync(args.path, "utf8");
      const fallback = /([\w$]+)\.push\(new URL\([\w$]+,[\w$]+\.ASSETS_FALLBACK_URL\)\),/;
      if (!code.includes("ASSETS_FALLBACK_URL)")) return undefined;
      if (!fallback.test(code)) throw new Error("Excalidraw's font fallback moved: update build.mjs");
      return { contents: code.replace(fallback, ""), loader: "js" };
    });
    b.onResolve({ filter: /^\.\/locales\/[^/]+\.js$/ }, (args) => {
      if (args.path.startsWith("./locales/en-")) return undefined;
      const dir = join(args.resolveDir, "locales");
      const english = readdirSync(dir).find((f) => /^en-[A-Z0-9]+\.js$/.test(f));
      return { path: join(dir, english) };
    });
  },
};
const boardOut = join(out, "board");
rmSync(boardOut, { recursive: true, force: true });
mkdirSync(boardOut, { recursive: true });
const board = await build({
  entryPoints: { board: join(here, "board-entry.js") },
  bundle: true,
  splitting: true,
  format: "esm",
  minify: true,
  legalComments: "none",
  target: "es2020",
  outdir: boardOut,
  conditions: ["production"],
  plugins: [stubs],
  chunkNames: "chunk-[hash]",
  external: ["*.woff2"], // the stylesheet's fonts: copied below, at the same relative paths
  define: { "process.env.NODE_ENV": '"production"', "process.env.IS_PREACT": '"false"' },
  metafile: true,
  logLevel: "warning",
});
const fonts = join(here, "node_modules", "@excalidraw", "excalidraw", "dist", "prod", "fonts");
for (const family of readdirSync(fonts)) {
  if (family !== "Xiaolai") cpSync(join(fonts, family), join(boardOut, "fonts", family), { recursive: true });
}

const SHIPPED_WITHOUT_LICENCE = {
  "@excalidraw/excalidraw": `MIT License

Copyright (c) 2020 Excalidraw

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`,
};

// Every package with at least one input file in a bundle, with its licence text.
function packagesOf(metafile) {
  const found = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match) found.add(match[1]);
  }
  return found;
}
function licences(names) {
  return [...names].sort().map((name) => {
    const dir = join(here, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[sc]e/i.test(f));
    if (!file && !meta.license) throw new Error(`no licence in ${name}`);
    // Some packages ship no licence file: their package.json names the licence, and the
    // text is their repository's (Excalidraw's own is given in full above).
    const where = typeof meta.repository === "string" ? meta.repository : meta.repository?.url;
    const text = file
      ? readFileSync(join(dir, file), "utf8").trim()
      : SHIPPED_WITHOUT_LICENCE[name] ?? `${meta.license}: the package ships no licence file; see ${where ?? meta.homepage ?? name}`;
    return `${name} ${meta.version} (${meta.license})\n${"-".repeat(60)}\n${text}\n`;
  });
}
const boardPackages = packagesOf(board.metafile);
writeFileSync(
  join(boardOut, "LICENSES.txt"),
  "Third-party code bundled in board/ (built by `make vendor` from frontend/package-lock.json);\n" +
    "the fonts in fonts/ are Excalidraw's (OFL-1.1, see each font's own licence upstream)\n\n" +
    licences(boardPackages).join("\n"),
);
console.log(`vendor: ${boardPackages.size} packages bundled into ${boardOut}`);

const packages = packagesOf(result.metafile);
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
