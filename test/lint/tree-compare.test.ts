// The whole-tree comparison on small inputs: kernel-doc's output parsed and matched per class.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareTree, findingId, parseKernelDocOutput, parseKernelDocWrong, type TreeFinding } from "./tree-compare.js";

const KERNEL_DOC = [
  "Warning: include/uapi/linux/a.h:10 struct member 'x' not described in 's'",
  "Warning: include/uapi/linux/a.h:10 struct member 'x' not described in 's'",
  "Warning: include/uapi/linux/a.h:20 Excess enum value '@E_OLD' description in 'e'",
  "Warning: include/uapi/linux/a.h:30 expecting prototype for GET_OWNER(). Prototype was for GET_FROM_OWNER() instead",
  "Warning: include/uapi/linux/b.h:5 This comment starts with '/**', but isn't a kernel-doc comment. Refer to Documentation/doc-guide/kernel-doc.rst",
  " * Flags",
  "Warning: include/uapi/linux/b.h:9 No description found for return value of 'f'",
  "Warning: include/uapi/linux/b.h:12 Enum value 'E_Y' not described in enum 'f'",
].join("\n");

const finding = (header: string, line: number, rule: string, symbol: string, name: string): TreeFinding => ({ header, line, column: 1, rule, symbol, name, message: "" });

test("kernel-doc output: shared classes only, each warning once, @ dropped", () => {
  const rows = parseKernelDocOutput(KERNEL_DOC);
  assert.deepEqual(
    rows.map((r) => `${r.header}:${r.line} ${r.cls} ${r.name} ${r.container}`),
    ["a.h:10 undocumented x s", "a.h:20 excess E_OLD e", "a.h:30 mismatch GET_OWNER GET_FROM_OWNER", "b.h:5 malformed  ", "b.h:12 undocumented E_Y f"],
  );
});

test("compare: caught, missed, excused, and uapigen-only findings by verdict", () => {
  const findings = [
    finding("a.h", 11, "undocumented-member", "struct s", "x"),
    finding("a.h", 31, "kerneldoc-name-mismatch", "GET_FROM_OWNER", "GET_OWNER"),
    finding("b.h", 5, "malformed-kerneldoc", "Flags", "/**"),
    finding("b.h", 40, "unknown-reference", "struct t", "T_OLD"),
    finding("b.h", 41, "unknown-reference", "struct t", "thing"),
    finding("b.h", 42, "undocumented-member", "struct u", "y"),
  ];
  const judged = [
    { finding: findingId(findings[3]!), verdict: true, reason: "renamed" },
    { finding: findingId(findings[4]!), verdict: false, reason: "English" },
  ];
  const wrong = parseKernelDocWrong("#### kernel-doc warnings that are wrong\n\n| header | class | name | reason |\n| --- | --- | --- | --- |\n| `b.h` | undocumented | `E_Y` | under #ifdef __KERNEL__ |\n");
  const c = compareTree(parseKernelDocOutput(KERNEL_DOC), findings, judged, wrong);
  assert.deepEqual(c.kernelDoc, { undocumented: 2, excess: 1, mismatch: 1, malformed: 1 });
  assert.deepEqual(c.caught, { undocumented: 1, excess: 0, mismatch: 1, malformed: 1 });
  assert.deepEqual(c.missed.map((w) => w.name), ["E_OLD"]);
  assert.deepEqual(c.excused.map((w) => w.name), ["E_Y"]);
  assert.deepEqual(c.only.map((f) => f.name), ["T_OLD", "thing", "y"]);
  assert.deepEqual([c.judgedTrue.length, c.judgedFalse.length, c.unjudged.length], [1, 1, 1]);
});
