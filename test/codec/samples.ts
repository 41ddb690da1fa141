// Byte samples from the target's own compiler: for every member of every record (through nested
// records and arrays), one object with just that member set by a designated initializer, compiled
// by the target's gcc. Its bytes show the target's layout, byte order and bitfield order; the
// codecs must produce exactly them (check.ts). Nothing runs on the target: the bytes are read
// back from the object file with the target's objcopy and nm.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Sample } from "./check.js";
import type { KindShape, MemberShape, Shapes } from "./shapes.js";

interface Leaf {
  designator: string;
  path: (string | number)[];
  kind: KindShape | { bitfield: { width: number; signed: boolean } };
}

function* kindLeaves(shapes: Shapes, kind: KindShape, designator: string, at: (string | number)[], depth: number): Generator<Leaf> {
  if ("scalar" in kind) yield { designator, path: at, kind };
  else if ("record" in kind) {
    if (depth < 4) yield* recordLeaves(shapes, kind.record, designator, at, depth + 1);
  } else {
    // The last element: its offset shows the element size and every element before it.
    const i = kind.array.length - 1;
    if (i < 0) return; // a zero-length array has no element to set
    yield* kindLeaves(shapes, kind.array.element, `${designator}[${i}]`, [...at, i], depth);
  }
}

function* recordLeaves(shapes: Shapes, record: string, designator = "", at: (string | number)[] = [], depth = 0): Generator<Leaf> {
  for (const m of shapes[record]?.members ?? []) {
    if (m.role === "reserved" || m.role === "flexible") continue;
    if (m.bitfield) yield { designator: `${designator}.${m.name}`, path: [...at, m.name], kind: { bitfield: m.bitfield } };
    else if (m.kind) yield* kindLeaves(shapes, m.kind, `${designator}.${m.name}`, [...at, m.name], depth);
  }
}

/** What encode needs to write nothing but zeros: size members given as 0 (encode fills them in otherwise). */
function zeroInit(shapes: Shapes, record: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of shapes[record]?.members ?? []) {
    if (m.inUnion || !m.kind) continue;
    if (m.role === "size" && "scalar" in m.kind) out[m.name] = m.kind.scalar.bits === 64 ? 0n : 0;
    else if ("record" in m.kind) {
      const inner = zeroInit(shapes, m.kind.record);
      if (Object.keys(inner).length) out[m.name] = inner;
    }
  }
  return out;
}

function zeroOf(shapes: Shapes, kind: KindShape): unknown {
  if ("scalar" in kind) return !kind.scalar.float && (kind.scalar.bits === 64 || kind.scalar.wide) ? 0n : 0;
  if ("record" in kind) return zeroInit(shapes, kind.record);
  return Array.from({ length: kind.array.length }, () => zeroOf(shapes, kind.array.element));
}

/** The member's value: distinct bytes, the top bit set (negative when signed). */
function leafValue(leaf: Leaf, k: number): { c: string; js: unknown } {
  if ("bitfield" in leaf.kind) {
    const w = BigInt(leaf.kind.bitfield.width);
    const bits = ((0x5a5a5a5a5a5a5a5an + BigInt(k)) & ((1n << w) - 1n)) | (1n << (w - 1n));
    return { c: `0x${bits.toString(16)}ULL`, js: Number(leaf.kind.bitfield.signed ? BigInt.asIntN(Number(w), bits) : bits) };
  }
  const s = (leaf.kind as Extract<KindShape, { scalar: unknown }>).scalar;
  if (s.float) return { c: `${k + 1}.5`, js: k + 1.5 };
  if (/\b_?[Bb]ool\b/.test(s.ctype)) return { c: "1", js: 1 };
  let bits = 1n << BigInt(s.bits - 1);
  for (let i = 0; i < s.bits / 8; i++) bits |= BigInt(((i + 1) * 0x11 + k * 7) & 0xff) << BigInt(8 * i);
  const v = s.signed ? BigInt.asIntN(s.bits, bits) : bits;
  // A __be32 holding v has v's big-endian bytes: the C side converts as the kernel's cpu_to_be32 would.
  const literal = `0x${bits.toString(16)}ULL`;
  const c = s.order === "native" || s.bits === 8 ? literal : `${s.order === "big" ? "TO_BE" : "TO_LE"}${s.bits}(${literal})`;
  return { c, js: s.bits === 64 || s.wide ? v : Number(v) };
}

/** The encode argument with the leaf set: zero size members around it, arrays padded with zeros. */
function valueWith(shapes: Shapes, record: string, leaf: Leaf, js: unknown): unknown {
  const root = zeroInit(shapes, record);
  let container: Record<string | number, unknown> = root;
  let shape = shapes[record];
  let kind: KindShape | undefined;
  leaf.path.forEach((step, i) => {
    if (typeof step === "string") kind = shape?.members.find((m) => m.name === step)?.kind;
    else if (kind && "array" in kind) kind = kind.array.element;
    if (i === leaf.path.length - 1) {
      container[step] = js;
      return;
    }
    if (container[step] === undefined) container[step] = kind ? zeroOf(shapes, kind) : {};
    container = container[step] as Record<string | number, unknown>;
    if (kind && "record" in kind) shape = shapes[kind.record];
  });
  return root;
}

const PRELUDE = `#define SAMPLE __attribute__((section(".uapigen_samples"), used))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TO_LE16(x) (x)
#define TO_LE32(x) (x)
#define TO_LE64(x) (x)
#define TO_BE16(x) __builtin_bswap16(x)
#define TO_BE32(x) __builtin_bswap32(x)
#define TO_BE64(x) __builtin_bswap64(x)
#else
#define TO_LE16(x) __builtin_bswap16(x)
#define TO_LE32(x) __builtin_bswap32(x)
#define TO_LE64(x) __builtin_bswap64(x)
#define TO_BE16(x) (x)
#define TO_BE32(x) (x)
#define TO_BE64(x) (x)
#endif`;

export interface SampleOptions {
  gcc: string;
  include: string;
  includeDirs: string[];
  /** More compiler flags: -nostdinc, `-include` of a prelude. */
  flags?: string[];
}

/**
 * `.argsz = 24` for the sample's record and each record on the leaf's path that has a size
 * member: encode always writes the struct's size there, so gcc's bytes must hold it too.
 */
function sizeInits(shapes: Shapes, record: string, path: (string | number)[]): string[] {
  const out: string[] = [];
  let shape: Shapes[string] | undefined = shapes[record];
  let prefix = "";
  for (let i = 0; shape && i < path.length; i++) {
    const size = shape.members.find((m) => m.role === "size");
    if (size && !(i === path.length - 1 && path[i] === size.name)) out.push(`${prefix}.${size.name} = ${shape.size}`);
    const m: MemberShape | undefined = shape.members.find((x) => x.name === path[i]);
    let kind: KindShape | undefined = m?.kind;
    prefix += `.${String(path[i])}`;
    while (kind && "array" in kind && typeof path[i + 1] === "number") {
      prefix += `[${path[++i]}]`;
      kind = kind.array.element;
    }
    shape = kind && "record" in kind ? shapes[kind.record] : undefined;
  }
  return out;
}

/** Compiles one object per member with `gcc` and returns each with its bytes. */
export function gccSamples(shapes: Shapes, opts: SampleOptions): Sample[] {
  const pending: (Omit<Sample, "bytes"> & { symbol: string; init: string; cType: string })[] = [];
  let k = 0;
  for (const [record, shape] of Object.entries(shapes)) {
    if (!shape.cType) continue;
    for (const leaf of recordLeaves(shapes, record)) {
      const v = leafValue(leaf, k);
      pending.push({ record, designator: leaf.designator, value: valueWith(shapes, record, leaf, v.js), path: leaf.path, expected: v.js, symbol: `uapigen_sample_${k}`, init: [`${leaf.designator} = ${v.c}`, ...sizeInits(shapes, record, leaf.path)].join(", "), cType: shape.cType });
      k++;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-samples-"));
  try {
    const src = path.join(dir, "samples.c");
    const obj = path.join(dir, "samples.o");
    const lines = pending.map((p) => `SAMPLE ${p.cType} ${p.symbol} = { ${p.init} };`);
    fs.writeFileSync(src, `#include <${opts.include}>\n${PRELUDE}\n${lines.join("\n")}\n`);
    const iflags = [...(opts.flags ?? []), ...opts.includeDirs.flatMap((d) => ["-I", d])];
    execFileSync(opts.gcc, ["-c", "-w", "-O0", "-fno-common", ...iflags, src, "-o", obj], { stdio: ["ignore", "ignore", "pipe"] });
    const bin = path.join(dir, "samples.bin");
    const tool = (name: string) => opts.gcc.replace(/gcc$/, name);
    execFileSync(tool("objcopy"), ["-O", "binary", "--only-section=.uapigen_samples", obj, bin]);
    const bytes = fs.readFileSync(bin);
    const where = new Map<string, [number, number]>();
    for (const line of execFileSync(tool("nm"), ["-S", "--defined-only", obj], { encoding: "utf8" }).split("\n")) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) \w (uapigen_sample_\d+)$/.exec(line.trim());
      if (m) where.set(m[3]!, [parseInt(m[1]!, 16), parseInt(m[2]!, 16)]);
    }
    return pending.map(({ symbol, init: _init, cType: _cType, ...p }) => {
      const at = where.get(symbol);
      if (!at) throw new Error(`${symbol} (${p.record}${p.designator}) is not in the object`);
      return { ...p, bytes: bytes.subarray(at[0], at[0] + at[1]).toString("hex") };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
