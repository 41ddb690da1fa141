// Error recovery: one declaration that cannot be built is reported and blanked; the rest of the
// header is linted as if it were not there.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { getAbi } from "#generator/target/abi.js";
import { lintHeaders } from "#generator/lint/lint.js";
import { declarationSpan } from "#generator/lint/recover.js";

test("declarationSpan: the top-level statement around an offset, comments and directives skipped", () => {
  const text = "struct a { int x; /* ; */ };\n#define X ;\nstruct b { int y; ; };\nint z;\n";
  const at = text.indexOf("; }", text.indexOf("struct b"));
  const [start, end] = declarationSpan(text, at)!;
  assert.equal(text.slice(start, end).trim(), "#define X ;\nstruct b { int y; ; };");
});

test("a stray ';' in one struct: located finding, and the enum after it still linted", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-recover-"));
  const file = path.join(dir, "r.h");
  fs.writeFileSync(
    file,
    [
      "struct bad {",
      "\tint name[4]; /* x */;",
      "\tstatic const int nope = 1;",
      "};",
      "/**",
      " * enum e - after the bad struct",
      " * @E_A: documented",
      " */",
      "enum e { E_A, E_B };",
      "",
    ].join("\n"),
  );
  const findings = lintHeaders([file], { abi: getAbi("x86_64")! }).map((f) => `${f.rule} ${f.name} @${f.loc.line}:${f.loc.column}`);
  assert.equal(findings.length, 2, findings.join("\n"));
  assert.match(findings[0]!, /^unparsed-declaration {2}@\d:\d+$/);
  assert.equal(findings[1], "undocumented-member E_B @9:15");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("members under another architecture's #if are linted on the union of rows", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-rows-"));
  const file = path.join(dir, "m.h");
  fs.writeFileSync(
    file,
    [
      "/**",
      " * struct m - per-architecture tail",
      " * @a: common",
      " * @x86_only: documented, exists on x86_64 only",
      " */",
      "struct m {",
      "\tint a;",
      "#if defined(__x86_64__)",
      "\tint x86_only;",
      "#else",
      "\tint other_rsvd;",
      "#endif",
      "};",
      "",
    ].join("\n"),
  );
  const lint = (...rows: string[]) =>
    lintHeaders([file], { abi: getAbi(rows[0]!)!, moreAbis: rows.slice(1).map((r) => getAbi(r)!) }).map((f) => `${f.rule} ${f.name} @${f.loc.line}`);
  assert.deepEqual(lint("x86_64"), []);
  // x86_only is under a branch aarch64 does not take: it exists, as kernel-doc (reading the raw
  // source) sees it, so its description is not excess on any row.
  assert.deepEqual(lint("aarch64"), ["undocumented-member other_rsvd @11"]);
  assert.deepEqual(lint("x86_64", "aarch64"), ["undocumented-member other_rsvd @11"]);
  fs.rmSync(dir, { recursive: true, force: true });
});
