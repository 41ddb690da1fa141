// The README's VMM example is a test (kernel/devices/vmm-example.test.ts, run on a real kernel by
// npm run test:kernel): the README must show exactly the parts of that file between its
// `// README: begin` and `// README: end` markers, so the printed example is the one that runs.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "./helpers.js";

const EXAMPLE = "kernel/devices/vmm-example.test.ts";

/** The marked parts of a file, each dedented, joined by a blank line. */
function markedParts(source: string): string {
  const parts = [...source.matchAll(/^[ \t]*\/\/ README: begin\n([\s\S]*?)^[ \t]*\/\/ README: end$/gm)].map((m) => {
    const lines = m[1]!.replace(/\n$/, "").split("\n");
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
    return lines.map((l) => l.slice(indent)).join("\n");
  });
  return parts.join("\n\n");
}

test("the README's VMM example is the marked code of kernel/devices/vmm-example.test.ts", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = new RegExp(`<!-- example: ${EXAMPLE.replace(/[.]/g, "\\.")} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  assert.ok(block, `the README has a ts block after <!-- example: ${EXAMPLE} -->`);
  const expected = markedParts(fs.readFileSync(path.join(ROOT, EXAMPLE), "utf8"));
  assert.ok(expected.includes("VfioDevice.openPci"), "the markers enclose the example");
  assert.equal(block[1], expected);
});
