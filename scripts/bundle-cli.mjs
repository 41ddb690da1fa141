#!/usr/bin/env node
// The `uapigen` command's code in one file, generator/dist/cli/bundle.cjs, made by esbuild from
// what tsc compiled to generator/dist/ (run after `tsc -b`: `npm run build`, the generator's
// prepack). Node loads one file some 60 ms faster than the CLI's ~60 modules and their
// dependencies' (resolution, reads, a compile each): a third of a one-architecture run.
// generator/bin/uapigen.js runs it while it is newer than tsc's last build, the modules otherwise.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const GENERATOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "generator");

await build({
  entryPoints: [path.join(GENERATOR, "dist", "cli", "cli.js")],
  outfile: path.join(GENERATOR, "dist", "cli", "bundle.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  // CommonJS: the bundled CommonJS dependencies (commander, write-file-atomic) keep their
  // require() and __filename.
  format: "cjs",
  external: [
    // Native addons: their binaries are found beside their packages at run time.
    "tree-sitter",
    "tree-sitter-c",
    // Loaded only to explain an invalid config or override file, and for SARIF output: leaving
    // them out keeps half a megabyte from being compiled on every run.
    "zod",
    "node-sarif-builder",
  ],
  // The modules find the package's prelude/, include/ and package.json from their own URL; the
  // bundle is in dist/cli/ as they are in dist/<folder>/, so the same relative paths hold.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});
