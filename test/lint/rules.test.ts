// One positive and one negative case per rule, with the traps that must stay silent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lintTexts } from "../helpers.js";

const summary = (headers: Record<string, string>) => lintTexts(headers).map((f) => `${f.rule} ${f.name}${f.suggestion ? ` -> ${f.suggestion}` : ""} @${f.loc.line}:${f.loc.column}`);

const doc = (lines: string[]) => ["/**", ...lines.map((l) => (l ? ` * ${l}` : " *")), " */"].join("\n");

test("undocumented-member: members and enumerators without @name:", () => {
  const text = [
    doc(["struct s - a struct", "@a: documented"]),
    "struct s {\n\t__u32 a;\n\t__u32 b;\n\tunion {\n\t\t__u32 c;\n\t\t__u64 d;\n\t};\n};",
    doc(["enum e - an enum", "@E_A: documented"]),
    "enum e { E_A, E_B };",
    "struct undocumented { int x; };",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `#include <linux/types.h>\n${text}\n` }), [
    "undocumented-member b @8:8",
    "undocumented-member c @10:9",
    "undocumented-member d @11:9",
    "undocumented-member E_B @18:15",
  ]);
});

test("undocumented-member stays silent for complete docs, __struct_group twins and flex markers", () => {
  const text = [
    doc(["struct s - complete", "@a: a", "@b: b", "@g1: in a group", "@data: flexible"]),
    "struct s {\n\t__u32 a;\n\t__struct_group(tag, grp, , __u32 g1;);\n\t__u32 b;\n\tunion {\n\t\t__DECLARE_FLEX_ARRAY(__u8, data);\n\t};\n};",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `#include <linux/types.h>\n#include <linux/stddef.h>\n${text}\n` }), []);
});

test("excess-member-doc: @names that are not members, with suggestions; nested @a.b checked", () => {
  const text = [
    doc(["struct s - a struct", "@size: size", "@flgs: typo", "@in.x: nested ok", "@in.nope: nested wrong", "@in: inner"]),
    "struct s {\n\t__u32 size;\n\t__u32 flags;\n\tstruct { __u32 x; } in;\n};",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `#include <linux/types.h>\n${text}\n` }), [
    "excess-member-doc flgs -> flags @5:5",
    "excess-member-doc in.nope @7:5",
    "undocumented-member flags @12:8",
  ]);
});

test("stale-member-reference: @x, x[] and bare names close to a member", () => {
  const text = [
    doc(["struct s - a struct", "@num_items: count", "@items: pointer to the array", "", "Set @num_item first; out_num_items is written back and", "the old_items[] array is filled."]),
    "struct s {\n\t__u32 num_items;\n\t__u64 items;\n};",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `#include <linux/types.h>\n${text}\n` }), [
    "stale-member-reference num_item -> num_items @7:9",
    "stale-member-reference out_num_items -> num_items @7:25",
    "stale-member-reference old_items -> items @8:8",
  ]);
});

test("stale-member-reference stays silent on traps", () => {
  const other = [doc(["struct other - another struct", "@remote_field: lives here"]), "struct other { __u32 remote_field; };"].join("\n");
  const text = [
    '#include <linux/other.h>',
    doc([
      "struct s - a struct",
      "@count: number of entries",
      "",
      "English words stay words: count the entries, a copy_from_user() call, page_size_t style,",
      "a name of another struct (@remote_field, remote_field) is a cross-reference,",
      "and code is code::",
      "",
      "    s.out_count = old_count[];",
      "",
      "Back to prose: `@count` is fine.",
    ]),
    "struct s {\n\t__u32 count;\n};",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `#include <linux/types.h>\n${text}\n`, "other.h": `#include <linux/types.h>\n${other}\n` }), []);
});

test("unknown-reference: struct, enum, ioctl and constant names the headers do not define", () => {
  const text = [
    "#define MY_IOCTL 1",
    "#define MY_FLAG 2",
    doc(["struct my_thing - ioctl(MY_IOCTLL)", "@a: see struct my_thing and struct my_thng, enum missing, MY_FLAG and MY_FLAGG", "", "Other prefixes (CONFIG_FOO, OTHER_NAME), MY_* wildcards and MY_XXX placeholders are not references."]),
    "struct my_thing { int a; };",
  ].join("\n");
  // `enum missing` resembles nothing the header defines: it may be a kernel-internal type.
  assert.deepEqual(summary({ "t.h": `${text}\n` }), [
    "unknown-reference MY_IOCTLL -> MY_IOCTL @4:28",
    "unknown-reference my_thng -> my_thing @5:39",
    "unknown-reference MY_FLAGG -> MY_FLAG @5:74",
  ]);
});

test("unknown-reference resolves names across the headers linted together", () => {
  const a = [doc(["struct alpha - uses struct beta and B_CONST"]), "struct alpha { int x; };", "#define A_CONST 1"].join("\n");
  const b = [doc(["struct beta - uses struct alpha and A_CONST"]), "struct beta { int y; };", "#define B_CONST 2"].join("\n");
  assert.deepEqual(summary({ "a.h": `#include <linux/b.h>\n${a}\n`, "b.h": `${b}\n` }).filter((x) => x.startsWith("unknown")), []);
  // Alone, b.h's `struct alpha` resembles none of its tags and A_CONST has a prefix b.h does
  // not use: neither is taken as a broken reference. Its own member is undescribed.
  assert.deepEqual(summary({ "b.h": `${b}\n` }), ["undocumented-member y @4:19"]);
});

test("kerneldoc-name-mismatch: the comment names another declaration", () => {
  const text = [doc(["struct wrong_name - docs", "@x: x"]), "struct right_name { int x; };", doc(["enum old_enum - docs", "@V: v"]), "enum new_enum { V };", doc(["struct fine - docs", "@y: y"]), "struct fine { int y; };"].join("\n");
  assert.deepEqual(summary({ "t.h": `${text}\n` }), [
    "kerneldoc-name-mismatch wrong_name -> right_name @2:11",
    "kerneldoc-name-mismatch old_enum -> new_enum @7:9",
  ]);
});

test("not-kerneldoc-comment: kerneldoc form behind /*, and plain comments left alone", () => {
  const text = [
    "/*\n * struct s - described with a plain comment\n * @x: the member\n */",
    "struct s { int x; };",
    "/*\n * MY_IOCTL - _IOW(T, 1, struct s)\n */",
    "#define MY_IOCTL 1",
    "/* Flags - a plain comment that is not kerneldoc */",
    "/*\n * Just prose, with an @ sign but no member heading.\n */",
    "struct t { int y; };",
  ].join("\n");
  assert.deepEqual(summary({ "t.h": `${text}\n` }), ["not-kerneldoc-comment s -> /** @1:1", "not-kerneldoc-comment MY_IOCTL -> /** @6:1"]);
});
