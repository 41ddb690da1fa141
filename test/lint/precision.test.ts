// The rules that keep whole-tree findings worth reading: names under branches not taken, names
// outside the header's namespaces, a member written with a space, an enumerator's own state.
// Each with a real defect next to it that must still be reported.
import assert from "node:assert/strict";
import { test } from "node:test";
import { namespacesOf, claimsNamespace } from "#generator/lint/namespaces.js";
import { lintTexts } from "../helpers.js";

const summary = (text: string) => lintTexts({ "t.h": `#include <linux/types.h>\n${text}\n` }).map((f) => `${f.rule} ${f.name} @${f.loc.line}`);
const doc = (lines: string[]) => ["/**", ...lines.map((l) => (l ? ` * ${l}` : " *")), " */"].join("\n");

test("an enumerator or member under #ifdef __KERNEL__ exists for kernel-doc: not excess", () => {
  const text = [
    doc(["enum e - attributes", "@E_A: a", "@E_ARG: for in-kernel use", "@E_GONE: stale"]),
    "enum e {\n\tE_A,\n#ifdef __KERNEL__\n\tE_ARG,\n#endif\n};",
    doc(["struct s - a struct", "@a: a", "@k: kernel only", "@z: stale"]),
    "struct s {\n\t__u32 a;\n#ifdef __KERNEL__\n\t__u32 k;\n#endif\n};",
  ].join("\n");
  assert.deepEqual(summary(text), ["excess-member-doc E_GONE @6", "excess-member-doc z @18"]);
});

test("a #define under a branch not taken is a name docs may use", () => {
  const text = [
    "#define T_A 1",
    "#define T_B 2",
    "#ifdef __KERNEL__",
    "#define T_KERNEL_ONLY 3",
    "#endif",
    doc(["T_C - a constant", "", "Like %T_KERNEL_ONLY, unlike %T_MISSING."]),
    "#define T_C 4",
  ].join("\n");
  assert.deepEqual(summary(text), ["unknown-reference T_MISSING @10"]);
});

test("namespaces: a first word a real share of constants use, and the two-word families", () => {
  const names = [...Array.from({ length: 30 }, (_, i) => `NL_ATTR_X${i}`), "NL_CMD_GET", "MAX_NL_ATTR"];
  const ns = namespacesOf(names);
  assert.deepEqual([...ns.prefixes], ["NL_"]);
  const near = () => true;
  const far = () => false;
  assert.equal(claimsNamespace("NL_ATTR_GONE", ns, far), true, "own family");
  assert.equal(claimsNamespace("NL_MCGRP_NAN", ns, far), false, "a family the header never uses");
  assert.equal(claimsNamespace("NL_SET_PMKSA", ns, near), true, "a family it lacks, but a real name is near");
  assert.equal(claimsNamespace("MAX_SP", ns, near), false, "MAX_ starts one constant: a word, not a namespace");
  assert.equal(claimsNamespace("NL_DESTORY", ns, far), true, "a two-word name in the namespace");
});

test("unknown-reference: constants outside the header's namespaces or families are not findings", () => {
  const constants = Array.from({ length: 20 }, (_, i) => `\tNL_ATTR_X${i},`).join("\n");
  const text = [
    doc(["enum nl_attrs - attributes", "", "Sent to %NL_MCGRP_NAN; the MAX_SP field; see %NL_ATTR_GONE."]),
    `enum nl_attrs {\n${constants}\n\tMAX_NL_ATTR\n};`,
  ].join("\n");
  assert.deepEqual(summary(text).filter((f) => f.startsWith("unknown-reference")), ["unknown-reference NL_ATTR_GONE @5"]);
});

test("'@exception mask' is exception_mask written with a space; '@exception' alone is stale", () => {
  const text = [
    doc(["struct s - a struct", "@exception_mask: mask", "", "Returned in @exception mask, or in @exception."]),
    "struct s {\n\t__u64 exception_mask;\n};",
  ].join("\n");
  assert.deepEqual(summary(text), ["stale-member-reference exception @6"]);
});

test("an enumerator's description may name its state by its own words, not another constant", () => {
  const text = [
    doc(["enum ch_attrs - channel attributes", "@CH_ATTR_ID: id, unlike CH_ATTR_IDX", "@CH_ATTR_ACTIVE: channels in CH_ACTIVE state"]),
    "enum ch_attrs {\n\tCH_ATTR_ID,\n\tCH_ATTR_ACTIVE,\n};",
  ].join("\n");
  assert.deepEqual(summary(text), ["unknown-reference CH_ATTR_IDX @4"]);
});

test("a title that is a bare name (kfd_ioctl.h's '* kfd_x_args') is read as a function doc", () => {
  const bare = [doc(["s_args", "", "Arguments."]), "struct s_args {\n\t__u32 a;\n};"].join("\n");
  assert.deepEqual(summary(bare), ["kerneldoc-name-mismatch s_args @3"]);
  const titled = [doc(["struct s_args - arguments", "@a: a"]), "struct s_args {\n\t__u32 a;\n};"].join("\n");
  assert.deepEqual(summary(titled), []);
});
