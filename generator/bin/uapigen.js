#!/usr/bin/env node
// Entry point of the `uapigen` command; the code is compiled from the package's sources to dist/.
import module from "node:module";

// Node >= 22.1 caches compiled code on disk: the CLI's modules load faster.
module.enableCompileCache?.();
const { main } = await import("../dist/cli/cli.js");

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
