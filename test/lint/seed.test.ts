// The review that started uapigen (shared/seeds/): the two structs as posted in
// "[PATCH v3 10/15] iommufd: IOCTLs for the io_pagetable". The linter must find the stale
// names the reviewer pointed out and the missing descriptions, and nothing else.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { lintHeaders } from "#generator/lint/lint.js";
import { ROOT, X86_64 } from "../helpers.js";

const SEED = path.join(ROOT, "test", "fixtures", "lint", "linux", "seed.h");

test("the seed patch: out_num_iovas, out_valid_iovas[] and the undescribed members", () => {
  const findings = lintHeaders([SEED], { abi: X86_64, includeDirs: [path.join(ROOT, "headers", "7.3"), path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")] });
  assert.deepEqual(
    findings.map((f) => [f.loc.line, f.loc.column, f.rule, f.symbol, f.name, f.suggestion]),
    [
      [39, 20, "stale-member-reference", "struct iommu_ioas_iova_ranges", "out_num_iovas", "num_iovas"],
      [40, 8, "stale-member-reference", "struct iommu_ioas_iova_ranges", "out_valid_iovas", "allowed_iovas"],
      [88, 8, "undocumented-member", "struct iommu_ioas_allow_iovas", "num_iovas", undefined],
      // The review named num_iovas; __reserved was undescribed too (kernel-doc warns about it
      // as well, and upstream added `@__reserved: Must be 0` with `@num_iovas`).
      [89, 8, "undocumented-member", "struct iommu_ioas_allow_iovas", "__reserved", undefined],
    ],
  );
});
