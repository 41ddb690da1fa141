// One module for several architectures: what becomes a variant, what stays shared, and what
// cannot be expressed (a record only some architectures declare).
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "#generator/ir/diagnostics.js";
import { emitModule, variantsOf } from "#generator/emit/module.js";
import { V } from "#generator/emit/symbols.js";
import { oneBody } from "#generator/emit/variant-code.js";
import { shareVariants } from "#generator/emit/variants.js";
import { getAbi } from "#generator/target/abi.js";
import { buildText } from "../helpers.js";

const unitsFor = (text: string, arches: string[]) =>
  arches.map((name) => {
    const abi = getAbi(name)!;
    const built = buildText(text, {}, "test.h", abi);
    return { abi, model: built.model, layout: built.layout };
  });

const emit = (text: string, arches: string[]) => emitModule(unitsFor(text, arches), { runtimeImport: "../runtime/codec.js" });

const HEADER = `#include <linux/types.h>
#include <linux/ioctl.h>
/**
 * struct t_args - arguments
 * @size: sizeof(struct t_args)
 * @addr: an address
 * @le: little-endian on the wire
 */
struct t_args {
	__u32 size;
	unsigned long addr;
	__le32 le;
};
#define T_IOCTL _IOWR('t', 1, struct t_args)
`;

test("rows with equal code share a variant; byte order is LE, not a variant", async () => {
  const text = await emit(HEADER, ["x86_64", "s390x", "aarch64"]);
  assert.match(text, /selectArch\("linux\/test\.h", \{ x86_64: 0, s390x: 0, aarch64: 0 \}\)/);
  assert.doesNotMatch(text, /const V = /, "one variant: no V");
  assert.match(text, /dv\.setUint32\(\s*offset,[^;]*LE\)/);
  assert.match(text, /offset \+ 16,[^;]*, true\)/, "__le32 is written little-endian on every row");
});

test("a member 64 bits on one row and 32 on another is bigint everywhere, narrowed where it is 32", async () => {
  const text = await emit(HEADER, ["x86_64", "i386", "powerpc"]);
  assert.match(text, /const V = ARCH\.variant;/);
  assert.match(text, /addr: bigint;/);
  assert.match(text, /narrow32\(\$addr, false, "t_args\.addr", "unsigned long"\)/);
  assert.match(text, /BigInt\(dv\.getUint32\(offset \+ 4, LE\)\)/);
  // powerpc's _IOWR bits (6 << 29) equal the generic (3 << 30): it shares i386's variant.
  assert.match(text, /selectArch\("linux\/test\.h", \{ x86_64: 0, i386: 1, powerpc: 1 \}\)/);
  assert.match(text, /export const T_IOCTL: number = V === 1 \? 0xc00c7401 : 0xc0187401;/);
  assert.match(text, /C: `unsigned long addr` \(offset 8, 8 bytes; offset 4, 4 bytes on i386, powerpc\)/);
});

test("a record only some rows declare is a located error naming both rows", async () => {
  const text = `#include <linux/types.h>\n#ifdef __x86_64__\nstruct only_x86 { __u32 a; };\n#endif\nstruct both { __u32 b; };\n`;
  await assert.rejects(emit(text, ["x86_64", "aarch64"]), (e: Error) => e instanceof InputError && /test\.h:3:\d+: error: struct only_x86 is declared for x86_64 but not for aarch64; generate for architectures that agree \(--arch\) \[unsupported\]/.test(e.message));
});

test("a constant some rows lack is undefined there, and typed so", async () => {
  const text = await emit(`#ifdef __x86_64__\n#define ONLY_X86 7\n#endif\n#define ALL 1\n`, ["x86_64", "aarch64"]);
  assert.match(text, /export const ONLY_X86: number \| undefined = V === 1 \? undefined : 7;/);
  assert.match(text, /export const ALL = 1;/);
});

test("members declared in another order by byte order (ip.h's iphdr) are one type; each row's view reads its own bits", async () => {
  const text = `#include <linux/types.h>
struct hdr {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u8 ihl:4, version:4;
#else
	__u8 version:4, ihl:4;
#endif
	__u8 tos;
};
`;
  const out = await emit(text, ["x86_64", "s390x"]);
  const view = out.slice(out.indexOf("export class HdrView"));
  const getter = (name: string) => view.slice(view.indexOf(`get ${name}()`), view.indexOf("}", view.indexOf(`get ${name}()`)) + 200);
  // version: bits 4..7 in allocation order on x86_64, bits 0..3 on s390x (both the high nibble).
  assert.match(getter("version"), /if \(V === 1\) \{\s*return getBits\(dv, this\.byteOffset, 1, 0, 4, false, LE\);\s*\} else \{\s*return getBits\(dv, this\.byteOffset, 1, 4, 4, false, LE\);/);
  assert.match(getter("ihl"), /if \(V === 1\) \{\s*return getBits\(dv, this\.byteOffset, 1, 4, 4, false, LE\);\s*\} else \{\s*return getBits\(dv, this\.byteOffset, 1, 0, 4, false, LE\);/);
});

test("a char array, signed on x86_64 and unsigned on s390x, is bytes on both; alone, x86_64 keeps its sign", async () => {
  const text = "struct named { char name[16]; signed char delta; };\n";
  const both = await emit(text, ["x86_64", "s390x"]);
  assert.match(both, /name: Uint8Array;/);
  assert.match(both, /name: Uint8Array\.from\(\{ length: 16 \}, \(_, i0\) => dv\.getUint8\(offset \+ i0 \* 1\)\)/);
  assert.match(both, /u8\(e0, "named\.name"/);
  assert.doesNotMatch(both, /const V = /, "one variant: the rows share the code");
  assert.match(both, /delta: number;/);
  assert.match(await emit(text, ["x86_64"]), /name: Int8Array;/);
  assert.match(await emit(text, ["s390x"]), /name: Uint8Array;/);
});

test("variant ids are the run's: `V === n` means the same rows in every module", async () => {
  const rows = ["x86_64", "i386", "ppc64le"];
  // One header tells i386 apart (a long member), the other ppc64le (its _IOC encoding).
  const a = unitsFor("struct t_a { long x; };\n", rows);
  const b = unitsFor("#include <linux/ioctl.h>\n#define T_B _IO('t', 1)\n", rows);
  const [va, vb] = shareVariants([variantsOf(a), variantsOf(b)]);
  assert.deepEqual([...va!.variantOf], [["x86_64", 0], ["i386", 1], ["ppc64le", 2]]);
  assert.deepEqual([...vb!.variantOf], [...va!.variantOf]);
  const [ta, tb] = [await emitModule(a, { runtimeImport: "../r.js", variants: va }), await emitModule(b, { runtimeImport: "../r.js", variants: vb })];
  const doc = "/** 0: x86_64; 1: i386; 2: ppc64le */\nconst V = ARCH.variant;";
  assert.ok(ta.includes(doc) && tb.includes(doc), "the same variants, described the same way");
  // b's request differs only on ppc64le: variant 2, as a's module numbers it too.
  assert.match(tb, /export const T_B: number = V === 2 \? 0x20007401 : 0x7401;/);
  assert.match(ta, /V === 1/);
  assert.doesNotMatch(ta, /V === 2/);
});

test("linux/generated: iommufd.ts and vfio.ts number their variants alike", async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { ROOT } = await import("../helpers.js");
  const select = (f: string) => /const ARCH = selectArch\("[^"]+", (\{[^}]*\})\);[\s\S]*?\/\*\* ([^*]*) \*\/\nconst V/.exec(fs.readFileSync(path.join(ROOT, "linux", "generated", f), "utf8"))!.slice(1);
  assert.deepEqual(select("iommufd.ts"), select("vfio.ts"));
});

test("variants that differ only in numbers are one codec body (variants as data)", async () => {
  // Only the alignment differs (a __u64 is 4-aligned on i386): picked where it is.
  const aligned = await emit("#include <linux/types.h>\nstruct t_pair { __u32 a; __u32 b; __u64 c; };\n", ["x86_64", "i386"]);
  assert.match(aligned, /export const t_pair = \{\n {2}size: 16,\n {2}align: V === 1 \? 4 : 8,/);
  assert.equal(aligned.match(/encode\(value: TPairInit/g)?.length, 1);
  // Sizes and offsets that differ (an array whose length is the row's): one body and a table.
  const sized = await emit("#include <linux/types.h>\nstruct t_arr { __u32 n; __u8 b[sizeof(long)]; __u32 m; };\n", ["x86_64", "i386"]);
  assert.match(sized, /const tArrLayout = V === 1 \? \{ size: 12, [^}]*\} : \{ size: 16, [^}]*\};/);
  assert.match(sized, /offsets: \{ n: 0, b: 4, m: tArrLayout\.m \}/);
  assert.equal(sized.match(/encode\(value: TArrInit/g)?.length, 1);
});

test("one body's table keys stay distinct where a member is called like a generated key", () => {
  const shared = oneBody(
    [
      { variants: [0], text: "{ offsets: { n1: 4 }, x: dv.get(offset + 12) }" },
      { variants: [1], text: "{ offsets: { n1: 2 }, x: dv.get(offset + 8) }" },
    ],
    "tLayout",
  )!;
  // The second number would be key n1, the member's.
  assert.equal(shared.body, "{ offsets: { n1: tLayout.n1 }, x: dv.get(offset + tLayout._n1) }");
  assert.equal(shared.table, `${V} === 1 ? { n1: 2, _n1: 8 } : { n1: 4, _n1: 12 }`);
  // Code that differs in more than numbers is not one body.
  assert.equal(oneBody([{ variants: [0], text: "a(1);" }, { variants: [1], text: "a(1); b(2);" }], "tLayout"), undefined);
});
