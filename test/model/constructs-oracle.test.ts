// The constructs fixture (bitfields, packed, aligned, anonymous and nested records, flexible
// arrays, __struct_group, enums with expressions, casts, char literals, per-arch #if) through
// the same gcc oracle as the real headers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildHeader } from "#generator/model/build.js";
import { layoutReport } from "#generator/model/report.js";
import { FIXTURE, FIXTURE_INCLUDES, X86_64 } from "../helpers.js";
import { runOracle } from "../oracle/gcc-oracle.js";


test("gcc agrees with uapigen on every construct of the fixture", () => {
  const built = buildHeader(FIXTURE, { abi: X86_64, includeDirs: FIXTURE_INCLUDES });
  const report = layoutReport(built.model, built.layout);
  const result = runOracle({ header: FIXTURE, include: "linux/constructs.h", includeDirs: FIXTURE_INCLUDES, report, otherDefines: built.model.otherDefines });
  assert.deepEqual(result.mismatches, []);
  assert.equal(result.checked.records, Object.keys(report.structs).length);
  assert.ok(report.structs.fix_bits && report.structs.fix_bits.fields.h!.bit_size === 40);
  assert.equal(report.constants.FIX_ARCH, 64n);
  assert.equal(report.constants.FIX_INACTIVE, undefined);
  assert.equal(report.ioctls.FIX_ALIAS, report.ioctls.FIX_IOR);
});

test("gcc agrees with uapigen on the codec-edges fixture (records the whole-tree survey found)", () => {
  const file = FIXTURE.replace("constructs.h", "codec-edges.h");
  const built = buildHeader(file, { abi: X86_64, includeDirs: FIXTURE_INCLUDES });
  const report = layoutReport(built.model, built.layout);
  const result = runOracle({ header: file, include: "linux/codec-edges.h", includeDirs: FIXTURE_INCLUDES, report, otherDefines: built.model.otherDefines });
  assert.deepEqual(result.mismatches, []);
  assert.equal(result.checked.records, Object.keys(report.structs).length);
});
