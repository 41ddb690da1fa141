// Override files are checked against their schema: a typo or a missing reason is a located
// error at the key, never silently ignored.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { InputError } from "#generator/ir/diagnostics.js";
import { loadOverrides } from "#generator/model/overrides.js";

function diagnosticOf(json: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-ov-")), "x.json");
  fs.writeFileSync(file, json);
  try {
    loadOverrides(file);
    return "no error";
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    const d = err.diagnostic;
    return `${d.loc?.line}:${d.loc?.column} ${d.message} [${d.rule}]`;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

test("the project's override files follow the schema", () => {
  for (const f of ["overrides/iommufd.json", "overrides/vfio.json", "overrides/iommufd_test.json", "examples/ioctl-probe/overrides/ioctls.json"]) {
    assert.doesNotThrow(() => loadOverrides(f), f);
  }
});

test("a misspelt key, a missing reason and a wrong type are located errors", () => {
  const misspelt = '{\n  "ioctls": {\n    "X_GET": {\n      "arguement": "struct x",\n      "reason": "r"\n    }\n  }\n}\n';
  assert.equal(diagnosticOf(misspelt), "4:7 'ioctls.X_GET.arguement': unknown key 'arguement' [override]");
  const noReason = '{\n  "userPointers": {\n    "x.ptr": { "count": "n" }\n  }\n}\n';
  assert.match(diagnosticOf(noReason), /^3:5 'userPointers\.x\.ptr\.reason': .* \[override\]$/);
  const wrongType = '{\n  "ioctls": {\n    "X_SET": { "passing": "by-value", "reason": "r" }\n  }\n}\n';
  assert.match(diagnosticOf(wrongType), /^3:16 'ioctls\.X_SET\.passing': Invalid option: .* \[override\]$/);
  assert.equal(diagnosticOf('{ "ioctls": { "X": { "reason": "fine" } } }'), "no error");
});
