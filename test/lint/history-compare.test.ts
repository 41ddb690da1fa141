// The history test's reading of a doc-only fix: which defect it removed, and whether a finding
// on the old header is that defect.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defectsOf, docOnlyChanges, isCaught } from "./history-compare.js";

const header = (doc: string[], open = "/**") => [open, ...doc.map((l) => ` * ${l}`), " */", "struct s {", "\t__u32 size;", "\t__u32 flags;", "};", ""].join("\n");
const defects = (before: string, after: string) => docOnlyChanges(before, after).flatMap(({ before: b, after: a }) => defectsOf(b, a, () => false));

test("a renamed @name: is an excess description; an added one an undescribed member", () => {
  const found = defects(header(["struct s - s", "@size: size", "@flgs: flags"]), header(["struct s - s", "@size: size", "@flags: flags"]));
  assert.deepEqual(found.map((d) => `${d.kind} ${d.name}`), ["excess description flgs", "undescribed member flags"]);
  assert.equal(isCaught(found[0]!, [{ line: 4, rule: "excess-member-doc", name: "flgs" }]), true);
  assert.equal(isCaught(found[0]!, [{ line: 4, rule: "excess-member-doc", name: "other" }]), false);
});

test("a title given its struct keyword is one title defect; prose edits are none", () => {
  assert.deepEqual(defects(header(["s", "@size: size", "@flags: flags"]), header(["struct s - s", "@size: size", "@flags: flags"])).map((d) => d.kind), ["title"]);
  assert.deepEqual(defects(header(["struct s - s", "@size: size", "@flags: flgas"]), header(["struct s - s", "@size: size", "@flags: flags"])), []);
});

test("/* to /** is a comment kernel-doc skipped; a changed declaration is no doc-only fix", () => {
  assert.deepEqual(defects(header(["struct s - s", "@size: size", "@flags: f"], "/*"), header(["struct s - s", "@size: size", "@flags: f"])).map((d) => d.kind), ["opened with /*"]);
  const changed = header(["struct s - s", "@size: size", "@flags: f"]).replace("__u32 flags", "__u64 flags");
  assert.deepEqual(defects(header(["struct s - s", "@size: size", "@flgs: f"]), changed), []);
});

test("an undescribed member is looked for down to the declaration's end, past comments in it", () => {
  const body = (doc: string[]) => ["/**", ...doc.map((l) => ` * ${l}`), " */", "enum e {", "\t/* private: */", "\tE_UNSPEC,", "\t/* public: */", "\tE_A, /* a long note */", "\tE_B,", "};", ""].join("\n");
  const [added] = defects(body(["enum e - e", "@E_A: a"]), body(["enum e - e", "@E_A: a", "@E_B: b"]));
  assert.equal(`${added!.kind} ${added!.name} ${added!.declEndLine}`, "undescribed member E_B 11");
  assert.equal(isCaught(added!, [{ line: 10, rule: "undocumented-member", name: "E_B" }]), true);
});
