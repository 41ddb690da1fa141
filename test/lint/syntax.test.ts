// Kerneldoc syntax kernel-doc understands and the linter must too: inline member docs,
// private/public markers, titles on the `/**` line, titles without a keyword, macro docs, and
// `/**` comments that are not kerneldoc. Each with the exact findings and a negative case.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lintTexts } from "../helpers.js";

const summary = (text: string) =>
  lintTexts({ "t.h": `#include <linux/types.h>\n${text}\n` }).map((f) => `${f.rule} ${f.name}${f.suggestion ? ` -> ${f.suggestion}` : ""} @${f.loc.line}:${f.loc.column}`);

test("inline member docs describe members; a stale inline name is excess", () => {
  const text = [
    "/**",
    " * struct s - inline docs",
    " */",
    "struct s {",
    "\t/** @a: one line */",
    "\t__u32 a;",
    "\t/**",
    "\t * @b: several",
    "\t * lines",
    "\t */",
    "\t__u32 b;",
    "\t/** @old_c: renamed since */",
    "\t__u32 c;",
    "};",
  ].join("\n");
  assert.deepEqual(summary(text), ["excess-member-doc old_c @13:7", "undocumented-member c @14:8"]);
});

test("members after /* private: */ need no description until /* public: */", () => {
  const text = [
    "/**",
    " * struct p - private part",
    " * @a: public",
    " * @c: public again",
    " */",
    "struct p {",
    "\t__u32 a;",
    "\t/* private: */",
    "\t__u32 hidden;",
    "\t/* public: */",
    "\t__u32 c;",
    "\t__u32 d;",
    "};",
    "/**",
    " * enum e - private enumerators",
    " * @E_A: documented",
    " */",
    "enum e {",
    "\tE_A,",
    "\t/* private: */",
    "\t__E_MAX,",
    "};",
  ].join("\n");
  assert.deepEqual(summary(text), ["undocumented-member d @13:8"]);
});

test("a title on the /** line is not read by kernel-doc: no member is required", () => {
  const text = ["/** enum e - one line */", "enum e { E_A, E_B };", "/** struct s - one line */", "struct s { __u32 a; };"].join("\n");
  assert.deepEqual(summary(text), []);
});

test("a title without struct/enum is a mismatch; an ioctl title above its struct is not", () => {
  const text = [
    "/**",
    " * s_cfg - no keyword",
    " * @a: a",
    " */",
    "struct s_cfg { __u32 a; };",
    "/**",
    " * S_IOCTL - _IOW('x', 1, struct s_arg)",
    " * @a: a",
    " */",
    "struct s_arg { __u32 a; };",
    "#define S_IOCTL _IOW('x', 1, struct s_arg)",
    "/**",
    " * s_qury_args",
    " *     @a (IN) - a misspelled bare title",
    " */",
    "struct s_query_args { __u32 a; };",
  ].join("\n");
  assert.deepEqual(summary(text), ["kerneldoc-name-mismatch s_cfg -> struct s_cfg @3:4", "kerneldoc-name-mismatch s_qury_args -> struct s_query_args @14:4"]);
});

test("a NAME - ... doc must name the #define below it", () => {
  const text = [
    "/**",
    " * GET_OWNER - renamed since",
    " */",
    "#define GET_FROM_OWNER 1",
    "/**",
    " * SET_OWNER: right name",
    " */",
    "#define SET_OWNER 2",
    "/**",
    " * FLAGS::bits - a title naming a field",
    " */",
    "#define FLAG_TRUNCATED 4",
  ].join("\n");
  assert.deepEqual(summary(text), ["kerneldoc-name-mismatch GET_OWNER -> GET_FROM_OWNER @3:4", "kerneldoc-name-mismatch FLAGS -> FLAG_TRUNCATED @11:4"]);
});

test("malformed-kerneldoc: /** comments whose first line is prose", () => {
  const text = [
    "/**",
    " * Zoned block device ioctl's:",
    " */",
    "/**",
    " * Flags for the frobnicator",
    " */",
    "/**",
    " * DOC: a doc block",
    " */",
    "/**",
    " * frob() - a function-like macro",
    " */",
    "#define frob(x) (x)",
    "struct t {",
    "\t/**",
    "\t * Indented: an inline comment, not read as a title",
    "\t */",
    "\tint x;",
    "};",
    "/** one-line prose is not read by kernel-doc */",
  ].join("\n");
  assert.deepEqual(summary(text), ["malformed-kerneldoc /** -> /* @2:1", "malformed-kerneldoc /** -> /* @5:1"]);
});

test("not-kerneldoc-comment: a /* comment with a title and @lines, not a one-line type note", () => {
  const text = [
    "/* struct in6_addr */",
    "/* enum devlink_trap_action */",
    "/*",
    " * struct page_region - Page region with flags",
    " * @start: Start of the region",
    " */",
    "struct page_region { __u64 start; };",
  ].join("\n");
  assert.deepEqual(summary(text), ["not-kerneldoc-comment page_region -> /** @4:1"]);
});
