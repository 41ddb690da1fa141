// Every layout, constant and ioctl uapigen computes for the vendored headers, checked against
// gcc (see test/oracle). Coverage is total: a declaration gcc sees and uapigen does not fails.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildHeader, defaultIncludeDirs } from "#generator/model/build.js";
import { layoutReport } from "#generator/model/report.js";
import { header, X86_64 } from "../helpers.js";
import { oracleForHeader, runOracle } from "../oracle/gcc-oracle.js";

const CASES: [string, string][] = [
  ["7.3", "iommufd.h"],
  ["6.12", "iommufd.h"],
  ["7.3", "vfio.h"],
  ["6.12", "vfio.h"],
];

for (const [version, name] of CASES) {
  test(`gcc agrees with uapigen on every declaration of linux/${name} ${version} (x86_64)`, () => {
    const { result, report } = oracleForHeader(header(version, name), X86_64);
    assert.deepEqual(result.mismatches, []);
    // Non-vacuous: the comparison covered the whole header.
    assert.equal(result.checked.records, Object.keys(report.structs).length);
    assert.equal(result.checked.constants, Object.keys(report.constants).length);
    assert.equal(result.checked.ioctls, Object.keys(report.ioctls).length);
    assert.ok(result.checked.records > 10 && result.checked.ioctls > 10);
    const members = Object.values(report.structs).reduce((n, s) => n + Object.keys(s.fields).length, 0);
    assert.equal(result.checked.members, members);
    console.log(`linux/${name} ${version}: ${result.checked.records} records, ${result.checked.members} members, ${result.checked.constants} constants, ${result.checked.ioctls} ioctls, ${result.checked.otherDefines} non-integer defines; 0 mismatches`);
  });
}

test("the oracle notices a wrong offset, a missing record, a missing constant and a wrong ioctl", () => {
  const file = header("7.3", "iommufd.h");
  const built = buildHeader(file, { abi: X86_64 });
  const report = layoutReport(built.model, built.layout);
  report.structs.iommu_ioas_map!.fields.iova!.offset = 24;
  delete report.structs.iommu_destroy;
  delete report.constants.IOMMU_IOAS_MAP_FIXED_IOVA;
  report.ioctls.IOMMU_IOAS_MAP = 0x3b86n;
  report.constants.IOMMU_IOAS_MAP = 0x3b86n;
  report.structs.iommu_ioas_alloc!.fields.bogus = { offset: 0, size: 4 };
  const result = runOracle({
    header: file,
    include: "linux/iommufd.h",
    includeDirs: defaultIncludeDirs(file, X86_64),
    report,
    otherDefines: built.model.otherDefines,
  });
  const text = result.mismatches.join("\n");
  assert.match(text, /iommu_ioas_map\.iova: offset 24 size 8, gcc says offset 32/);
  assert.match(text, /struct iommu_destroy: declared by the header but missing/);
  assert.match(text, /IOMMU_IOAS_MAP_FIXED_IOVA: constant missing/);
  assert.match(text, /IOMMU_IOAS_MAP: ioctl 15238, gcc says 15237/);
  assert.match(text, /iommu_ioas_alloc\.bogus: uapigen reports a member gcc does not have/);
});
