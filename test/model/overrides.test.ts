// Override files are checked against their schema: a typo or a missing reason is a located
// error at the key, never silently ignored.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
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

test("the plain test of an override file accepts what zod accepts, and nothing else", async () => {
  const { z } = await import("zod");
  const { overridesSchema, plainlyValid } = await import("#generator/model/overrides.js");
  const schema = overridesSchema(z);
  const other = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
  // Mostly what the key takes, sometimes anything or nothing; now and then one unknown key more.
  const ABSENT = Symbol("absent");
  const value = (good: fc.Arbitrary<unknown>) => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: other }, { weight: 1, arbitrary: fc.constant(ABSENT) });
  const extraKey = fc.oneof({ weight: 40, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("reasons", "__proto__", "toString") });
  const object = (shape: Record<string, fc.Arbitrary<unknown>>) =>
    fc.tuple(fc.record(Object.fromEntries(Object.entries(shape).map(([k, a]) => [k, value(a)]))), extraKey).map(([o, extra]) => {
      const json = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ABSENT));
      // As JSON.parse makes it: "__proto__" an own key.
      if (extra !== null) Object.defineProperty(json, extra, { value: 1, enumerable: true, writable: true, configurable: true });
      return json;
    });
  const str = fc.constantFrom("n", "struct x", "");
  const reason = fc.oneof({ weight: 20, arbitrary: fc.constant("why") }, { weight: 1, arbitrary: fc.constant("") });
  const int = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 0.5, 2 ** 53, -1e300) });
  const records = (arb: fc.Arbitrary<unknown>) => fc.dictionary(fc.constantFrom("A", "b.c"), arb, { maxKeys: 2 });
  const file = object({
    $comment: str,
    ioctls: records(object({ argument: str, passing: fc.constantFrom("value", "pointer", "string", "by-value"), legacyRequest: object({ direction: fc.constantFrom("none", "write", "read", "readwrite", "both") }), reason })),
    userPointers: records(object({ pointee: str, count: str, elementSize: int, entrySize: str, bytes: int, bitmap: object({ length: str, pageSize: str }), persistent: fc.boolean(), reason })),
    trailing: records(object({ unsafe: str, safeWhen: object({ member: str, mask: int, values: fc.array(int, { maxLength: 2 }), reason }), count: str, reason })),
  });
  const answers = { true: 0, false: 0 };
  fc.assert(
    fc.property(file, (json) => {
      const plain = plainlyValid(json);
      answers[`${plain}`]++;
      assert.equal(plain, schema.safeParse(json).success, JSON.stringify(json));
    }),
    { numRuns: 3000 },
  );
  // Both answers, often: the files generated are neither all broken nor all fine.
  assert.ok(answers.true > 300 && answers.false > 300, JSON.stringify(answers));
  for (const f of ["overrides/iommufd.json", "overrides/vfio.json", "overrides/iommufd_test.json"]) assert.ok(plainlyValid(JSON.parse(fs.readFileSync(f, "utf8"))), f);
});
