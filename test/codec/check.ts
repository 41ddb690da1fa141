// The codec checks, free of the generator so they run anywhere Node runs (under s390x Node in
// qemu too): property round trips driven by the records' shapes, and byte-for-byte agreement
// with objects the target's gcc initialised (samples.ts).
import assert from "node:assert/strict";
import fc from "fast-check";
import type { KindShape, Shapes } from "./shapes.js";

type AnyCodec = {
  size: number;
  encode(v: unknown, t: DataView | Uint8Array, o?: number): void;
  decode(s: DataView | Uint8Array, o?: number): Record<string, unknown>;
  view(t: DataView | Uint8Array, o?: number): Record<string, unknown>;
};

export type CodecModule = Record<string, unknown>;

/** One gcc-initialised object: a single member set (by designator), and the object's bytes. */
export interface Sample {
  record: string;
  /** The C designator, e.g. `.info.flags` or `.data[3]`, for messages. */
  designator: string;
  /** What encode is given (bigints as {"$bigint": "..."}), including zero size members. */
  value: unknown;
  /** The member's path in decode's result, and what it must hold. */
  path: (string | number)[];
  expected: unknown;
  /** The object's bytes as gcc laid them out, in hex. */
  bytes: string;
}

/** What a check run is given (written as JSON by the host for a child process). */
export interface CheckSpec {
  label: string;
  module: string;
  arch: string;
  littleEndian: boolean;
  shapes: Shapes;
  samples?: Sample[];
  runs?: number;
}

export const toJson = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? { $bigint: x.toString() } : x));
export const fromJson = <T>(text: string): T =>
  JSON.parse(text, (_, x) => (x && typeof x === "object" && typeof x.$bigint === "string" ? BigInt(x.$bigint) : x)) as T;

export function normalise(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

/**
 * The decoded value cut to the shape of what was encoded: the members of union elements the
 * arbitrary left out (it sets none of a union's members) are not compared.
 */
function projected(decoded: unknown, given: unknown): unknown {
  if (ArrayBuffer.isView(decoded)) return decoded;
  if (Array.isArray(given) && Array.isArray(decoded)) return given.map((g, i) => projected(decoded[i], g));
  if (given && typeof given === "object" && !ArrayBuffer.isView(given) && decoded && typeof decoded === "object") {
    return Object.fromEntries(Object.keys(given).map((k) => [k, projected((decoded as Record<string, unknown>)[k], (given as Record<string, unknown>)[k])]));
  }
  return decoded;
}

function scalarArb(s: Extract<KindShape, { scalar: unknown }>["scalar"]): fc.Arbitrary<unknown> {
  if (s.float) return s.bits === 32 ? fc.float({ noNaN: true }).map(Math.fround) : fc.double({ noNaN: true });
  if (s.bits === 64) return s.signed ? fc.bigInt(-(1n << 63n), (1n << 63n) - 1n) : fc.bigInt(0n, (1n << 64n) - 1n);
  const max = 2 ** (s.signed ? s.bits - 1 : s.bits);
  const n = fc.integer({ min: s.signed ? -max : 0, max: max - 1 });
  return s.wide ? n.map(BigInt) : n;
}

function kindArb(k: KindShape, records: (name: string) => fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  if ("scalar" in k) return scalarArb(k.scalar);
  if ("record" in k) return records(k.record);
  return fc.array(kindArb(k.array.element, records), { minLength: k.array.length, maxLength: k.array.length });
}

/**
 * Bits that survive decode -> encode: members' bits, through nested records and arrays of them;
 * padding (nested records' too) and reserved members come back zero.
 */
function keptBits(shapes: Shapes, name: string, littleEndian: boolean): Uint8Array {
  const shape = shapes[name]!;
  const keep = new Uint8Array(shape.size);
  const place = (kind: KindShape, at: number, size: number) => {
    if ("record" in kind && shapes[kind.record]) keep.set(keptBits(shapes, kind.record, littleEndian), at);
    else if ("array" in kind && kind.array.length > 0) {
      const step = size / kind.array.length;
      for (let i = 0; i < kind.array.length; i++) place(kind.array.element, at + i * step, step);
    } else keep.fill(0xff, at, at + size);
  };
  for (const m of shape.members) {
    if (m.bitfield) {
      // Reserved bitfields (tcp_ao_add's `reserved:30`) are written as zero, like reserved members.
      if (m.role !== "plain") continue;
      for (let b = m.bitfield.bitOffset; b < m.bitfield.bitOffset + m.bitfield.width; b++) keep[b >> 3]! |= 1 << (littleEndian ? b & 7 : 7 - (b & 7));
    } else if (m.role === "plain" && m.kind) place(m.kind, m.offset, m.size);
  }
  return keep;
}

function holdsNaN(v: unknown): boolean {
  if (typeof v === "number") return Number.isNaN(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>).some(holdsNaN);
  if (v && typeof v === "object") return Object.values(v).some(holdsNaN);
  return false;
}

/**
 * A decoded value with what encode writes itself (the size member, reserved members) removed,
 * through nested records and arrays: encode accepts those only with the values it writes.
 */
function clearWritten(shapes: Shapes, name: string, value: Record<string, unknown>): Record<string, unknown> {
  const shape = shapes[name];
  if (!shape) return value;
  const out = { ...value };
  const clear = (kind: KindShape | undefined, v: unknown): unknown => {
    if (!kind || v === undefined) return v;
    if ("record" in kind) return clearWritten(shapes, kind.record, v as Record<string, unknown>);
    // Arrays of arrays too: ptp_sys_offset_extended's ts[25][3] of struct ptp_clock_time.
    if ("array" in kind && !("scalar" in kind.array.element)) return (v as unknown[]).map((x) => clear(kind.array.element, x));
    return v;
  };
  for (const m of shape.members) {
    if (m.role === "size" || m.role === "reserved") delete out[m.name];
    else if (m.name in out) out[m.name] = clear(m.kind, out[m.name]);
  }
  return out;
}

/**
 * For every record of the module: encode then decode gives back the value; views read what
 * encode wrote; decode then encode gives back the bytes (bit-exact, padding and reserved zeroed).
 * Returns how many codecs were checked.
 */
export function checkRoundTrips(mod: CodecModule, spec: CheckSpec): number {
  const shapes = spec.shapes;
  // Anonymous records used as named members are checked through their parents only.
  const recordArb = (name: string): fc.Arbitrary<Record<string, unknown>> => {
    const shape = shapes[name];
    if (!shape) return fc.constant({});
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const m of shape.members) {
      if (m.role !== "plain" || m.inUnion) continue;
      if (m.bitfield) {
        const max = 2 ** (m.bitfield.signed ? m.bitfield.width - 1 : m.bitfield.width);
        fields[m.name] = fc.integer({ min: m.bitfield.signed ? -max : 0, max: max - 1 });
      } else if (m.kind && !("record" in m.kind)) fields[m.name] = kindArb(m.kind, recordArb);
    }
    return fc.record(fields);
  };
  let count = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const codec = mod[name] as AnyCodec | undefined;
    if (!shape.cType) continue;
    assert.ok(codec, `${spec.label}: the module has no codec ${name}`);
    assert.equal(codec.size, shape.size, `${spec.label} ${name}: size`);
    const where = `${spec.label} ${name}`;
    const buf = new DataView(new ArrayBuffer(codec.size + 16));
    fc.assert(
      fc.property(recordArb(name), fc.integer({ min: 0, max: 16 }), (value, offset) => {
        codec.encode(value, buf, offset);
        const decoded = codec.decode(buf, offset);
        for (const [k, v] of Object.entries(value)) assert.deepEqual(normalise(projected(decoded[k], v)), normalise(v), `${where}.${k}`);
        const view = codec.view(buf, offset);
        for (const k of Object.keys(value)) if (typeof view[k] !== "object") assert.deepEqual(normalise(view[k]), normalise(decoded[k]), `${where} view.${k}`);
      }),
      { numRuns: spec.runs ?? 25 },
    );
    const hasUnion = shape.kind === "union" || shape.members.some((m) => m.inUnion);
    if (!hasUnion) {
      const keep = keptBits(shapes, name, spec.littleEndian);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: codec.size, maxLength: codec.size }), (bytes) => {
          const src = new DataView(bytes.buffer.slice(0));
          const out = new DataView(new ArrayBuffer(codec.size));
          const decoded = codec.decode(src);
          // A NaN's payload need not survive a JavaScript number (s390x's double fprs[16]).
          fc.pre(!holdsNaN(decoded));
          codec.encode(clearWritten(shapes, name, decoded), out);
          const back = new Uint8Array(out.buffer);
          // The size member is always the struct's size, whatever the decoded bytes said.
          const sizeMember = shape.members.find((m) => m.role === "size");
          if (sizeMember) {
            assert.equal(Number(codec.decode(out)[sizeMember.name]), codec.size, `${where}: the size member`);
            back.fill(0, sizeMember.offset, sizeMember.offset + sizeMember.size);
          }
          for (let i = 0; i < codec.size; i++) assert.equal(back[i], bytes[i]! & keep[i]!, `${where} byte ${i}`);
        }),
        { numRuns: spec.runs ?? 25 },
      );
    }
    count++;
  }
  return count;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * Each gcc sample: encode(value) gives gcc's bytes; decode(gcc's bytes) holds the value at the
 * member's path; for top-level members the view reads it and its setter writes gcc's bytes.
 */
export function checkSamples(mod: CodecModule, spec: CheckSpec): number {
  for (const s of spec.samples ?? []) {
    const codec = mod[s.record] as AnyCodec;
    const where = `${spec.label} ${s.record}${s.designator}`;
    const gcc = Buffer.from(s.bytes, "hex");
    // The size member is always written as the struct's size: gcc's sample value is only decoded.
    const isSize = spec.shapes[s.record]?.members.some((m) => m.role === "size" && m.name === s.path[0]);
    const mine = new Uint8Array(codec.size);
    if (!isSize) {
      codec.encode(s.value, mine);
      assert.equal(hex(mine), s.bytes, `${where}: encode disagrees with ${spec.arch} gcc`);
    }
    let got: unknown = codec.decode(new Uint8Array(gcc));
    for (const k of s.path) got = (got as Record<string | number, unknown>)[k];
    assert.deepEqual(normalise(got), normalise(s.expected), `${where}: decode of gcc's bytes`);
    if (s.path.length === 1) {
      const name = s.path[0] as string;
      const view = codec.view(new Uint8Array(gcc));
      assert.deepEqual(normalise(view[name]), normalise(s.expected), `${where}: view read`);
      if (typeof s.expected !== "object" && !isSize) {
        const fresh = new Uint8Array(codec.size);
        codec.encode({}, fresh); // the size member, as encode writes it
        (codec.view(fresh) as Record<string, unknown>)[name] = s.expected;
        assert.equal(hex(fresh), s.bytes, `${where}: view write`);
      }
    }
  }
  return spec.samples?.length ?? 0;
}
