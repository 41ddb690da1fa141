// Input the parser does not accept is a located diagnostic naming the problem, never a crash.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { InputError } from "#generator/ir/diagnostics.js";
import { buildText, CLI } from "../helpers.js";

const H = "/virtual/include/linux/test.h";

function diagnostic(text: string, files?: Record<string, string>): string {
  try {
    buildText(text, files);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${(err as Error).stack}`);
    return err.message;
  }
  assert.fail("expected a diagnostic");
}

const cases: [string, string, string | RegExp][] = [
  ["unknown type", "struct a {\n\tfoo_t x;\n};\n", `${H}:2:2: error: unknown type name 'foo_t' [unknown-type]`],
  ["syntax error", "struct a {\n\tint x\n};\n", /^\/virtual\/include\/linux\/test\.h:\d+:\d+: error: syntax error: .* \[syntax\]$/],
  ["unterminated comment", "struct a { int x; };\n/* never closed\n", `${H}:2:1: error: unterminated /* comment [unterminated-comment]`],
  ["#error", "#error unsupported configuration\n", `${H}:1:2: error: #error unsupported configuration [error-directive]`],
  ["missing include", "#include <linux/nope.h>\n", `${H}:1:10: error: 'linux/nope.h' file not found (add its directory with -I) [include]`],
  ["unterminated #if", "#ifdef X\nstruct a { int x; };\n", `${H}:1:2: error: unterminated conditional directive [directive]`],
  ["#else twice", "#if 1\n#else\n#else\n#endif\n", `${H}:3:2: error: #else after #else [directive]`],
  ["macro arguments", "#define F(a, b) a\nenum { X = F(1) };\n", `${H}:2:12: error: macro 'F' expects 2 argument(s), got 1 [macro-expansion]`],
  ["division by zero", "enum { X = 1 / 0 };\n", `${H}:1:14: error: division by zero in constant expression [bad-constant]`],
  ["negative array", "struct a { int x[-1]; };\n", `${H}:1:18: error: size of array is negative [array-size]`],
  ["huge array", "struct a { int x[0x100000000]; };\n", `${H}:1:18: error: size of array (4294967296) is too large [array-size]`],
  ["undefined constant", "struct a { int x[N]; };\n", `${H}:1:18: error: 'N' is not a constant [bad-constant]`],
  ["incomplete member", "struct b;\nstruct a { struct b x; };\n", /incomplete here \[incomplete-type\]$/],
  ["flexible array not last", "struct a { int n; int x[]; int y; };\n", `${H}:1:23: error: flexible array member 'x' is not at the end of struct a [flexible-array]`],
  ["redefinition", "struct a { int x; };\nstruct a { int y; };\n", `${H}:2:8: error: redefinition of 'struct a' [redefinition]`],
  ["bad alignment", "struct a { int x __attribute__((aligned(3))); };\n", /requested alignment 3 is not a positive power of 2 \[attribute\]$/],
  ["bitfield too wide", "struct a { unsigned char x : 9; };\n", /width of bitfield 'x' exceeds its type \[bitfield\]$/],
  ["recursive include", "#include <linux/test.h>\n", /#include nested more than 64 levels \(recursive include\?\) \[include\]$/],
  ["unknown directive", "#frobnicate\n", `${H}:1:2: error: unknown preprocessing directive '#frobnicate' [directive]`],
  ["shift out of range", "enum { X = 1 << 40 };\n", /shift count 40 is out of range for a 32-bit operand \[bad-constant\]$/],
  ["array too large in bytes", "struct a { int x[0x40000000]; };\n", `${H}:1:18: error: size of array (4294967296 bytes) is too large (at most 2147483647) [array-size]`],
  ["struct too large", "struct a { char x[0x40000000]; char y[0x40000000]; };\n", `${H}:1:37: error: struct a is too large (2147483648 bytes or more; at most 2147483647) [record-size]`],
  ["expression nested too deep", `enum { X = ${"(".repeat(300)}1${")".repeat(300)} };\n`, `${H}:1:267: error: constant expression nested more than 256 levels deep [nesting-limit]`],
  ["typedef chain too long", `typedef int t0;\n${Array.from({ length: 300 }, (_, i) => `typedef t${i} t${i + 1};`).join("\n")}\n`, `${H}:257:14: error: type nested more than 256 levels deep (typedefs, arrays and pointers) [nesting-limit]`],
  ["records nested too deep", `struct a {\n${"struct {\n".repeat(300)}int x;\n${"};\n".repeat(300)}};\n`, `${H}:257:1: error: struct definitions nested more than 256 levels deep [nesting-limit]`],
];

for (const [name, text, expected] of cases) {
  test(`diagnostic: ${name}`, () => {
    const message = diagnostic(text);
    if (typeof expected === "string") assert.equal(message, expected);
    else assert.match(message, expected);
  });
}

test("the CLI prints one located line and exits 2, without a stack trace", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-diag-"));
  fs.mkdirSync(path.join(dir, "linux"));
  const file = path.join(dir, "linux", "bad.h");
  fs.writeFileSync(file, "struct a {\n\tfoo_t x;\n};\n");
  for (const args of [["layout", file, "--json"], ["generate", "--header", file, "--out", path.join(dir, "out")]]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `${file}:2:2: error: unknown type name 'foo_t' [unknown-type]\n`);
    assert.equal(r.stdout, "");
  }
  assert.ok(!fs.existsSync(path.join(dir, "out")), "a failed generate writes nothing");
  const usage = spawnSync(process.execPath, [CLI, "layout"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /missing required argument 'header'/);
  const help = spawnSync(process.execPath, [CLI, "generate", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--check/);
});
