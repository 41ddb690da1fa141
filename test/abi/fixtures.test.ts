// `uapigen abi` on small header pairs, one per rule (test/fixtures/abi/<case>/{old,new}/linux/x.h):
// the exact findings of each, on all 14 rows.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { compareAbi } from "#generator/abi/run.js";
import { ROOT } from "../helpers.js";
import { ROWS, show, TREE_73 } from "./helpers.js";

const FIXTURES = path.join(ROOT, "test", "fixtures", "abi");

function run(name: string, tree = false): string[] {
  const side = (s: string) => (tree ? path.join(FIXTURES, name, s) : path.join(FIXTURES, name, s, "linux", "x.h"));
  return compareAbi(side("old"), side("new"), { rows: ROWS, includeDirs: TREE_73 }).findings.map(show);
}

const LP64 = "x86_64, aarch64, ppc64le, ppc64, s390x, riscv64, mips64el, sparc64, alpha";

const CASES: Record<string, string[]> = {
  "bitfield-reorder": [
    "breaking [member-offset] linux/x.h struct x_bits.b: struct x_bits: member 'b' moved: bit 4 → bit 0 (on all rows)",
    "breaking [member-offset] linux/x.h struct x_bits.a: struct x_bits: member 'a' moved: bit 0 → bit 4 (on all rows)",
    "breaking [member-reordered] linux/x.h struct x_bits: struct x_bits: members reordered: a, b → b, a (on all rows)",
  ],
  "constant-removed": ["breaking [constant-removed] linux/x.h X_MAX: X_MAX (16) removed (on all rows)"],
  "enumerator-value": ["breaking [enumerator-value] linux/x.h enum x_mode.X_MODE_B: enum x_mode: enumerator X_MODE_B 2 → 3 (on all rows)"],
  "flexible-array": ["extension [flexible-array-added] linux/x.h struct x_list.items: struct x_list: flexible array 'items' added at the tail (on all rows)"],
  // The typedef changed in linux/xtypes.h: that header's finding, naming the struct it moves.
  "included-typedef": ["breaking [typedef-changed] linux/xtypes.h typedef x_len_t: typedef x_len_t changed: __u32 → __u64; moves struct x_req in linux/x.h (on all rows)"],
  "iow-grows": [
    "breaking [record-size] linux/x.h struct x_arg: struct x_arg: size 4 → 8; 'b' added at the tail and the struct has no size member (on all rows)",
    "breaking [request-number] linux/x.h X_SET: X_SET: request 0x40047801 → 0x40087801 (size 4, struct x_arg → size 8, struct x_arg) (on x86_64, i386, aarch64, arm, s390x, riscv64)",
    "breaking [request-number] linux/x.h X_SET: X_SET: request 0x80047801 → 0x80087801 (size 4, struct x_arg → size 8, struct x_arg) (on ppc64le, ppc64, powerpc, mips64el, mipsel, sparc64, alpha, hppa)",
  ],
  "long-member": [
    `breaking [record-size] linux/x.h struct x_len: struct x_len: size 8 → 16 (on ${LP64})`,
    `breaking [member-offset] linux/x.h struct x_len.b: struct x_len: member 'b' moved: offset 4 → offset 8 (on ${LP64})`,
    `breaking [member-size] linux/x.h struct x_len.b: struct x_len: member 'b' size 4 bytes → 8 bytes (on ${LP64})`,
    `review [record-align] linux/x.h struct x_len: struct x_len: alignment 4 → 8; records embedding it may move (on ${LP64})`,
  ],
  "member-removed": [
    "breaking [member-removed] linux/x.h struct x_two.a: struct x_two: member 'a' removed (was at offset 0, 4 bytes) (on all rows)",
    "breaking [record-size] linux/x.h struct x_two: struct x_two: size 8 → 4 (on all rows)",
    "breaking [member-offset] linux/x.h struct x_two.b: struct x_two: member 'b' moved: offset 4 → offset 0 (on all rows)",
  ],
  "reserved-renamed": ["extension [reserved-member-used] linux/x.h struct x_res.id: struct x_res: member 'id' (offset 4, 4 bytes) takes bytes of reserved '__reserved', documented as zero (on all rows)"],
  "reserved-undocumented": ["review [reserved-member-undocumented] linux/x.h struct x_rsvd.id: struct x_rsvd: member 'id' (offset 4, 4 bytes) takes bytes of reserved 'rsvd', whose docs do not say it must be zero (on all rows)"],
  signedness: ["breaking [member-signedness] linux/x.h struct x_val.v: struct x_val: member 'v' unsigned → signed (__u32 → __s32) (on all rows)"],
  "tail-with-size": ["extension [member-added-tail] linux/x.h struct x_ext.addr: struct x_ext: 'addr' added at the tail (size 8 → 16; 'size' carries the size) (on all rows)"],
  // A member named `size` whose docs do not say it is the struct's size (kvm_coalesced_mmio_zone).
  "tail-size-by-name": ["review [member-added-tail-unverified] linux/x.h struct x_zone.extra: struct x_zone: 'extra' added at the tail (size 16 → 24); 'size' may carry the struct's size, but its docs do not say so (on all rows)"],
  // A syscall number and a major version are values, not limits; a minor version and a maximum are.
  "not-limits": [
    "breaking [constant-value] linux/x.h __NR_x_call: __NR_x_call 5 → 6 (on all rows)",
    "breaking [constant-value] linux/x.h X_KERNEL_VERSION: X_KERNEL_VERSION 7 → 8 (on all rows)",
    "extension [limit-grew] linux/x.h X_MINOR_VERSION: X_MINOR_VERSION 1 → 2 (a count, maximum, all-flags mask or version that grows as the interface does) (on all rows)",
    "extension [limit-grew] linux/x.h X_ATTR_MAX: X_ATTR_MAX 4 → 5 (a count, maximum, all-flags mask or version that grows as the interface does) (on all rows)",
  ],
  "tail-without-size": ["breaking [record-size] linux/x.h struct x_plain: struct x_plain: size 4 → 8; 'b' added at the tail and the struct has no size member (on all rows)"],
};

for (const [name, expected] of Object.entries(CASES)) {
  test(`abi fixture ${name}`, () => {
    assert.deepEqual(run(name), expected);
  });
}

test("abi fixture tree: a header removed is breaking, one added an extension", () => {
  assert.deepEqual(run("tree", true), ["breaking [header-removed] linux/gone.h : linux/gone.h removed (on all rows)", "extension [header-added] linux/fresh.h : linux/fresh.h added (on all rows)"]);
});

test("abi fixture included-typedef as a tree: the types header's own finding names the struct it moves", () => {
  assert.deepEqual(run("included-typedef", true), [
    "breaking [typedef-changed] linux/xtypes.h typedef x_len_t: typedef x_len_t changed: __u32 → __u64 (size 4 → 8, alignment 4 → 8); moves struct x_req in linux/x.h (on x86_64, aarch64, arm, ppc64le, ppc64, powerpc, s390x, riscv64, mips64el, mipsel, sparc64, alpha, hppa)",
    "breaking [typedef-changed] linux/xtypes.h typedef x_len_t: typedef x_len_t changed: __u32 → __u64 (size 4 → 8); moves struct x_req in linux/x.h (on i386)",
  ]);
});
