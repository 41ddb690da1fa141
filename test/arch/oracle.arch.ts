// The layout oracle for every architecture row: each architecture's own cross compiler (Debian's
// gcc-<triplet>) lays out the same headers; uapigen must agree on every declaration, constant
// and ioctl number. Run by `npm run test:arch`, which installs the cross compilers.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { ABIS } from "#generator/target/abi.js";
import { FIXTURE, header, ROOT } from "../helpers.js";
import { oracleForHeader } from "../oracle/gcc-oracle.js";
import { CROSS_GCC } from "./cross.js";

/** Records the whole-tree survey found (test/codec/edges.test.ts), a union bitfield among them. */
const EDGES = path.join(ROOT, "test", "fixtures", "linux", "codec-edges.h");

const HEADERS: [string, string][] = [["7.3", "iommufd.h"], ["6.12", "iommufd.h"], ["7.3", "vfio.h"]];

for (const abi of Object.values(ABIS)) {
  test(`${abi.name}: ${CROSS_GCC[abi.name]} agrees with uapigen on iommufd.h (7.3, 6.12) and vfio.h (7.3)`, () => {
    const gcc = CROSS_GCC[abi.name];
    assert.ok(gcc, `no cross compiler listed for ${abi.name}`);
    const rows: string[] = [];
    for (const [version, name] of HEADERS) {
      const { result, report } = oracleForHeader(header(version, name), abi, { gcc });
      assert.deepEqual(result.mismatches, [], `${abi.name} ${name} ${version}`);
      assert.equal(result.checked.records, Object.keys(report.structs).length);
      assert.equal(result.checked.constants, Object.keys(report.constants).length);
      rows.push(`${name} ${version}: ${result.checked.records} records, ${result.checked.members} members, ${result.checked.constants} constants, ${result.checked.ioctls} ioctls`);
    }
    console.log(`${abi.name} (${abi.endian}-endian): 0 mismatches; ${rows.join("; ")}`);
  });

  test(`${abi.name}: the constructs and codec-edges fixtures (bitfields, packing, alignment) agree with ${CROSS_GCC[abi.name]}`, () => {
    const gcc = CROSS_GCC[abi.name]!;
    const dirs = [path.join(ROOT, "test", "fixtures"), path.join(ROOT, "headers", "7.3"), path.join(ROOT, "headers", "7.3", abi.triplet)];
    for (const fixture of [FIXTURE, EDGES]) {
      const { result, report } = oracleForHeader(fixture, abi, { gcc, includeDirs: dirs });
      assert.deepEqual(result.mismatches, [], path.basename(fixture));
      assert.equal(result.checked.records, Object.keys(report.structs).length);
    }
  });
}
