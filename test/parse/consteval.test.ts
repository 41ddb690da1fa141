// C integer constant expressions with C's typing: the values gcc gives.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate } from "#generator/parse/consteval.js";
import { tokenize } from "#generator/parse/lexer.js";
import { buildText } from "../helpers.js";

const ev = (text: string) => {
  const toks = tokenize(text, "x.h");
  return evaluate(toks, { longBits: 64, identifier: () => undefined }, toks[0]!);
};

test("literal types, promotions and conversions", () => {
  assert.equal(ev("~0U").v, 0xffffffffn);
  assert.equal(ev("~0").v, -1n);
  assert.equal(ev("1 << 31").v, -(2n ** 31n));
  assert.equal(ev("1U << 31").v, 2n ** 31n);
  assert.equal(ev("-1 < 0U").v, 0n); // -1 converts to unsigned
  assert.equal(ev("-1L < 0U").v, 1n); // long holds every unsigned int
  assert.equal(ev("0xffffffff").t.signed, false);
  assert.equal(ev("4294967296").t.bits, 64);
  assert.equal(ev("0xffffffffffffffffULL").v, 2n ** 64n - 1n);
  assert.equal(ev("7 / -2").v, -3n);
  assert.equal(ev("-7 % 3").v, -1n);
  assert.equal(ev("(2 > 1) ? 10 : 20").v, 10n);
  assert.equal(ev("'\\n' + '\\x41' + '\\101'").v, 10n + 65n + 65n);
  assert.equal(ev("0777").v, 511n);
});

test("unevaluated operands, __builtin_constant_p, sizeof of string literals, wide chars", () => {
  assert.equal(ev("0 && f(1)").v, 0n);
  assert.equal(ev("1 || 1 / 0").v, 1n);
  assert.equal(ev("1 ? 5 : g(2)").v, 5n);
  assert.equal(ev("__builtin_constant_p(3) ? 7 : h(3)").v, 7n);
  assert.equal(ev("__builtin_constant_p(x) ? 7 : 8").v, 8n);
  assert.equal(ev('sizeof("os2.") - 1').v, 4n);
  assert.equal(ev('sizeof(("security." "bpf.")) - 1').v, 13n);
  assert.equal(ev("L'\\0' - 1 > 0").v, 0n);
});

// From the whole-tree survey (npm run survey): two idioms gcc evaluates in linux-libc-dev 7.3.

test("a cast to typeof(x), as __ALIGN_KERNEL writes it (netlink.h's NL_MMAP_HDRLEN)", () => {
  const built = buildText(`struct hdr { unsigned int a; unsigned short b; };
#define ALIGN_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) ALIGN_MASK(x, (typeof(x))(a) - 1)
#define HDRLEN ALIGN(sizeof(struct hdr), 16)
#define NARROW ((typeof(unsigned char))300)
`);
  const value = (name: string) => built.model.constants.find((c) => c.name === name)?.value;
  assert.equal(value("HDRLEN")?.v, 16n);
  assert.equal(value("HDRLEN")?.t.bits, 64, "the type of sizeof: size_t");
  assert.equal(value("NARROW")?.v, 44n);
});

test("&((struct x *)0)->member is the member's offset (nilfs2_ondisk.h's NILFS_SB_BYTES)", () => {
  const built = buildText(`struct sb { unsigned int magic; struct { unsigned short n[4]; } in; unsigned long long reserved[8]; };
#define SB_BYTES ((long)&((struct sb *)0)->reserved)
#define DEEP ((long)&((struct sb *)0)->in.n[2])
#define NOT_A_CONSTANT (&x)
`);
  const value = (name: string) => built.model.constants.find((c) => c.name === name)?.value.v;
  assert.equal(value("SB_BYTES"), 16n);
  assert.equal(value("DEEP"), 8n);
  assert.match(built.model.otherDefines.find((o) => o.name === "NOT_A_CONSTANT")!.reason, /unexpected '&'/);
});
