// iommufd.h from 6.12 to 7.3 (headers/) changes nothing userspace relies on; breaks seeded in a
// copy of 7.3 (a reordered member, a shrunk reserved member) are caught on every row.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { compareAbi } from "#generator/abi/run.js";
import { header } from "../helpers.js";
import { ROWS, show, TREE_73 } from "./helpers.js";

const OLD = header("6.12", "iommufd.h");
const NEW = header("7.3", "iommufd.h");

test("iommufd.h 6.12 → 7.3: no breaking finding, nothing to review, only extensions", () => {
  const { findings } = compareAbi(OLD, NEW, { rows: ROWS });
  assert.deepEqual(findings.filter((f) => f.class !== "extension").map(show), []);
  const rules = new Set(findings.map((f) => f.rule));
  assert.deepEqual([...rules].sort(), ["enumerator-added", "record-added", "request-added", "union-member-added"]);
  // out_data_type went into a union with in_data_type: an alias, at the same bytes.
  assert.ok(findings.some((f) => f.rule === "union-member-added" && f.member === "in_data_type" && f.rows.length === 14));
});

/** 7.3's iommufd.h with `edit` applied, as <dir>/linux/iommufd.h. */
function seeded(edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "abi-iommufd-"));
  fs.mkdirSync(path.join(dir, "linux"));
  const text = fs.readFileSync(NEW, "utf8");
  const changed = edit(text);
  assert.notEqual(changed, text, "the seed applies");
  fs.writeFileSync(path.join(dir, "linux", "iommufd.h"), changed);
  return path.join(dir, "linux", "iommufd.h");
}

test("a reordered member of struct iommu_ioas_map is breaking on every row", () => {
  const file = seeded((t) => t.replace("\t__u32 flags;\n\t__u32 ioas_id;\n\t__u32 __reserved;\n\t__aligned_u64 user_va;", "\t__u32 ioas_id;\n\t__u32 flags;\n\t__u32 __reserved;\n\t__aligned_u64 user_va;"));
  try {
    const breaking = compareAbi(NEW, file, { rows: ROWS, includeDirs: TREE_73 }).findings.filter((f) => f.class === "breaking");
    assert.deepEqual(breaking.map(show), [
      "breaking [member-offset] linux/iommufd.h struct iommu_ioas_map.ioas_id: struct iommu_ioas_map: member 'ioas_id' moved: offset 8 → offset 4 (on all rows)",
      "breaking [member-offset] linux/iommufd.h struct iommu_ioas_map.flags: struct iommu_ioas_map: member 'flags' moved: offset 4 → offset 8 (on all rows)",
      "breaking [member-reordered] linux/iommufd.h struct iommu_ioas_map: struct iommu_ioas_map: members reordered: flags, ioas_id → ioas_id, flags (on all rows)",
    ]);
  } finally {
    fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
  }
});

test("a shrunk reserved member of struct iommu_ioas_map is breaking on every row", () => {
  const file = seeded((t) => t.replace("\t__u32 ioas_id;\n\t__u32 __reserved;\n\t__aligned_u64 user_va;", "\t__u32 ioas_id;\n\t__u16 __reserved[1];\n\t__aligned_u64 user_va;"));
  try {
    const breaking = compareAbi(NEW, file, { rows: ROWS, includeDirs: TREE_73 }).findings.filter((f) => f.class === "breaking");
    assert.deepEqual(breaking.map(show), [
      "breaking [reserved-shrunk] linux/iommufd.h struct iommu_ioas_map.__reserved: struct iommu_ioas_map: reserved '__reserved' (offset 12, 4 bytes) shrank: 2 byte(s) from offset 14 are padding now (on all rows)",
    ]);
  } finally {
    fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
  }
});
