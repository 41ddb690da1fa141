// Declarations from the tree-sitter tree: records, anonymous members, typedef chains, enums.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveTypedefs } from "#generator/target/layout.js";
import { buildText } from "../helpers.js";

test("typedefs resolve through linux/types.h and the asm headers, not a built-in list", () => {
  const built = buildText("#include <linux/types.h>\nstruct s { __u64 a; __s8 b; __kernel_size_t c; __le32 d; };\n");
  const r = built.model.records[0]!;
  const names = r.members!.map((m) => {
    const t = resolveTypedefs(m.type);
    return t.kind === "builtin" ? t.name : t.kind;
  });
  assert.deepEqual(names, ["unsigned long long", "signed char", "unsigned long", "unsigned int"]);
});

test("anonymous structs and unions are flattened; named nested records get their own tag", () => {
  const built = buildText("struct s { int a; union { int b; struct { short c, d; }; }; struct inner { char x; } in; };\n");
  const s = built.model.records.find((r) => r.tag === "s")!;
  assert.deepEqual(built.layout.flatten(s).map((f) => [f.name, f.offset, f.inUnion]), [
    ["a", 0, false],
    ["b", 4, true],
    ["c", 4, true],
    ["d", 6, true],
    ["in", 8, false],
  ]);
  assert.ok(built.model.records.some((r) => r.tag === "inner"));
});

test("enum values: shifts, ORs, casts, char literals, references to enumerators and macros", () => {
  const built = buildText("#define M 0x10\nenum e { A = 1 << 4, B = A | M | 1, C = (unsigned char)-1, D = ';', E };\n");
  assert.deepEqual(built.model.enums[0]!.enumerators.map((x) => [x.name, x.value.v]), [
    ["A", 16n], ["B", 17n], ["C", 255n], ["D", 59n], ["E", 60n],
  ]);
});

test("kerneldoc attaches to the declaration below it, with its location", () => {
  const built = buildText("/**\n * struct s - a struct\n * @a: member a\n */\nstruct s { int a; };\n");
  const doc = built.model.records[0]!.doc!;
  assert.equal(doc.name, "s");
  assert.equal(doc.params[0]!.name, "a");
});

test("a forward declaration completed later is one record", () => {
  const built = buildText("struct b;\nstruct a { struct b *p; };\nstruct b { int x; };\n");
  assert.equal(built.model.records.filter((r) => r.tag === "b").length, 1);
  assert.equal(built.layout.record(built.model.records.find((r) => r.tag === "a")!).size, 8);
});

test("fixed arrays with constant-expression lengths and flexible array members", () => {
  const built = buildText("#define N 3\nstruct s { int n; char a[N * 2 + 1][2]; long f[]; };\n");
  const s = built.layout.record(built.model.records[0]!);
  assert.deepEqual(s.members.map((m) => [m.offset, m.size]), [[0, 4], [4, 14], [24, 0]]);
  assert.equal(s.size, 24);
});

test("offsetof through anonymous members and array subscripts; #pragma pack; typedef-named records", () => {
  const built = buildText(
    "#pragma pack(push, 1)\nstruct p { char a; int b; };\n#pragma pack(pop)\ntypedef struct { char x; struct p arr[3]; } named_t;\n" +
      "enum { OFF = __builtin_offsetof(named_t, arr[2].b) };\n",
  );
  assert.equal(built.layout.record(built.model.records[0]!).size, 5);
  assert.equal(built.model.records[1]!.typedefName, "named_t");
  assert.equal(built.model.enums[0]!.enumerators[0]!.value.v, 1n + 2n * 5n + 1n);
});

// Constructs the whole-tree survey (npm run survey) found in linux-libc-dev 7.3 that gcc accepts.

test("a stray ';' in a struct body declares nothing (nfc.h)", () => {
  const built = buildText("struct s { char name[6]; /* a URI */; unsigned int len; };\n");
  assert.deepEqual(built.layout.flatten(built.model.records[0]!).map((f) => [f.name, f.offset]), [["name", 0], ["len", 8]]);
});

test("a file-scope _Static_assert is skipped (asm/elf.h)", () => {
  const built = buildText("struct s { int a; };\n_Static_assert(sizeof(struct s) % 4 == 0, \"s\");\n");
  assert.equal(built.model.records.length, 1);
});

test("an attribute between a declarator and its initializer (amd_hsmp.h, cxl_mem.h)", () => {
  const built = buildText("struct d { int a, b; };\nstatic const struct d table[] __attribute__((unused)) = { {0, 1}, {2, 3} };\nenum e { OLD __attribute__((deprecated)) = 4, NEW };\n");
  assert.equal(built.model.records[0]!.tag, "d");
  assert.deepEqual(built.model.enums[0]!.enumerators.map((x) => [x.name, x.value.v]), [["OLD", 4n], ["NEW", 5n]]);
});

test("a request on a pointer to a struct never defined has pointer size (agpgart.h)", () => {
  const built = buildText("#define AGPIOC_BIND _IOW('A', 8, struct agp_bind *)\n#define SIZE sizeof(const struct agp_bind *)\n");
  const value = (name: string) => built.model.constants.find((c) => c.name === name)?.value.v;
  assert.equal(value("AGPIOC_BIND"), (1n << 30n) | (8n << 16n) | (0x41n << 8n) | 8n);
  assert.equal(value("SIZE"), 8n);
  // Without the pointer the struct must be complete, as in C.
  const bare = buildText("#define BAD sizeof(struct agp_bind)\n");
  assert.match(bare.model.otherDefines.find((o) => o.name === "BAD")!.reason, /'struct agp_bind' is not defined/);
});
