#!/usr/bin/env node
// Entry point of the `uapigen` command; the code is compiled from the package's sources to dist/.
import fs from "node:fs";
import module from "node:module";

// Node >= 22.1 caches compiled code on disk: the CLI's modules load faster.
module.enableCompileCache?.();

/**
 * The CLI bundled into one file (scripts/bundle-cli.mjs), which loads faster than its modules;
 * unless a `tsc -b` since the bundle was made has left it stale (a package has no build info).
 */
function bundleIsCurrent() {
  const bundle = fs.statSync(new URL("../dist/cli/bundle.cjs", import.meta.url), { throwIfNoEntry: false });
  const built = fs.statSync(new URL("../dist/tsconfig.tsbuildinfo", import.meta.url), { throwIfNoEntry: false });
  return bundle !== undefined && (built === undefined || bundle.mtimeMs >= built.mtimeMs);
}

const { main } = bundleIsCurrent() ? module.createRequire(import.meta.url)("../dist/cli/bundle.cjs") : await import("../dist/cli/cli.js");

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err) => {
    // Only bugs in uapigen get here: user mistakes are reported as located diagnostics.
    process.stderr.write(`uapigen: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
