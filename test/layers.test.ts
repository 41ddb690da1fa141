// The generator's layers import one way (.dependency-cruiser.cjs): the real tree passes, and a
// back-edge, a cycle or a lint/ → parse/ import in a scratch copy of the layout fails.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), "generator", "runtime", "linux", "--config", CONFIG, "--output-type", "err"], { cwd, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("the generator's imports follow the layers, with no cycles", () => {
  const r = cruise(ROOT);
  assert.equal(r.status, 0, r.out);
});

test("a back-edge, a cycle, a re-parse in lint/ and a runtime import each fail the check", () => {
  const cases: [string, Record<string, string>][] = [
    ["layer-ir", { "generator/ir/a.ts": 'import "../parse/b.js";', "generator/parse/b.ts": "export {};" }],
    ["no-cycles", { "generator/model/a.ts": 'import "./b.js";', "generator/model/b.ts": 'import "./a.js";' }],
    ["no-reparse", { "generator/lint/a.ts": 'import "../parse/b.js";', "generator/parse/b.ts": "export {};" }],
    ["runtime-apart", { "generator/emit/a.ts": 'import "../../runtime/b.js";', "runtime/b.ts": "export {};" }],
  ];
  for (const [rule, files] of cases) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-layers-"));
    try {
      for (const d of ["generator", "runtime", "linux"]) fs.mkdirSync(path.join(dir, d));
      for (const [f, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), text);
      }
      const r = cruise(dir);
      assert.notEqual(r.status, 0, `${rule}: ${r.out}`);
      assert.match(r.out, new RegExp(`\\b${rule}\\b`), rule);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
