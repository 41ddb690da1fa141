// Property tests (fast-check) for every codec of every generated module: encode then decode
// gives back what was encoded; decode then encode gives back the bytes (padding and reserved
// members zeroed); views read and write the same bytes as the codecs.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import type { Abi } from "../../generator/model/abi.js";
import { buildHeader, defaultIncludeDirs } from "../../generator/model/build.js";
import type { RecordDecl } from "../../generator/model/ir.js";
import type { LayoutEngine } from "../../generator/model/layout.js";
import { planRecord, type FieldKind, type PlannedMember } from "../../generator/emit/records.js";
import { FIXTURE, FIXTURE_INCLUDES, header, ROOT, X86_64 } from "../helpers.js";

type AnyCodec = {
  size: number;
  encode(v: unknown, t: DataView, o?: number): void;
  decode(s: DataView, o?: number): Record<string, unknown>;
  view(t: DataView, o?: number): Record<string, unknown>;
};

function scalarArb(k: Extract<FieldKind, { kind: "scalar" }>): fc.Arbitrary<unknown> {
  const s = k.scalar;
  if (s.float) return s.bits === 32 ? fc.float({ noNaN: true }).map(Math.fround) : fc.double({ noNaN: true });
  if (s.bits === 64) return s.signed ? fc.bigInt(-(1n << 63n), (1n << 63n) - 1n) : fc.bigInt(0n, (1n << 64n) - 1n);
  const max = 2 ** (s.signed ? s.bits - 1 : s.bits);
  return fc.integer({ min: s.signed ? -max : 0, max: max - 1 });
}

function kindArb(k: FieldKind, records: (name: string) => fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  switch (k.kind) {
    case "scalar":
      return scalarArb(k);
    case "record":
      return records(k.codec);
    case "array":
      return fc.array(kindArb(k.element, records), { minLength: k.length, maxLength: k.length });
  }
}

interface Planned {
  name: string;
  decl: RecordDecl;
  plan: PlannedMember[];
}

function normalise(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

async function checkModule(label: string, modulePath: string, headerFile: string, includeDirs: string[], abi: Abi): Promise<number> {
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, AnyCodec>;
  const built = buildHeader(headerFile, { abi, includeDirs });
  const layout: LayoutEngine = built.layout;
  const byName = new Map<string, Planned>();
  for (const r of built.model.all.records) {
    const name = r.tag;
    if (!name || !mod[name]) continue;
    byName.set(name, { name, decl: r, plan: planRecord(r, layout, abi, { of: (d) => d.tag ?? "" }) });
  }
  // Anonymous records used as named members are checked through their parents only.
  const recordArb = (name: string): fc.Arbitrary<Record<string, unknown>> => {
    const p = byName.get(name);
    if (!p) return fc.constant({});
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const m of p.plan) {
      if (m.role === "flexible" || m.role === "reserved" || m.flat.inUnion) continue;
      if (m.bitfield) {
        const w = m.bitfield.width;
        const max = 2 ** (m.bitfield.unit.signed ? w - 1 : w);
        fields[m.flat.name] = fc.integer({ min: m.bitfield.unit.signed ? -max : 0, max: max - 1 });
      } else if (m.kind && m.kind.kind !== "record") fields[m.flat.name] = kindArb(m.kind, recordArb);
    }
    return fc.record(fields);
  };
  let count = 0;
  for (const [name, p] of byName) {
    const codec = mod[name]!;
    const where = `${label} ${name}`;
    const buf = new DataView(new ArrayBuffer(codec.size + 16));
    fc.assert(
      fc.property(recordArb(name), fc.integer({ min: 0, max: 16 }), (value, offset) => {
        codec.encode(value, buf, offset);
        const decoded = codec.decode(buf, offset);
        for (const [k, v] of Object.entries(value)) assert.deepEqual(normalise(decoded[k]), normalise(v), `${where}.${k}`);
        // The view reads what the codec wrote.
        const view = codec.view(buf, offset);
        for (const k of Object.keys(value)) if (typeof view[k] !== "object") assert.deepEqual(normalise(view[k]), normalise(decoded[k]), `${where} view.${k}`);
      }),
      { numRuns: 25 },
    );
    // decode(bytes) then encode gives the bytes back, except what encode must zero.
    const hasUnion = p.decl.kind === "union" || p.plan.some((m) => m.flat.inUnion);
    if (!hasUnion) {
      // Bits that must survive decode -> encode; every other bit (padding, reserved) comes back zero.
      const keep = new Uint8Array(codec.size);
      for (const m of p.plan) {
        if (m.bitfield) for (let b = m.flat.bitOffset!; b < m.flat.bitOffset! + m.flat.bitSize!; b++) keep[b >> 3]! |= 1 << (b & 7);
        else if (m.role !== "reserved" && m.role !== "flexible") keep.fill(0xff, m.flat.offset, m.flat.offset + m.flat.size);
      }
      fc.assert(
        fc.property(fc.uint8Array({ minLength: codec.size, maxLength: codec.size }), (bytes) => {
          const src = new DataView(bytes.buffer.slice(0));
          const out = new DataView(new ArrayBuffer(codec.size));
          codec.encode(codec.decode(src), out);
          const back = new Uint8Array(out.buffer);
          for (let i = 0; i < codec.size; i++) assert.equal(back[i], bytes[i]! & keep[i]!, `${where} byte ${i}`);
        }),
        { numRuns: 25 },
      );
    }
    count++;
  }
  return count;
}

const cases: [string, string, string, string[]][] = [
  ["iommufd.h", path.join(ROOT, "dist", "generated", "iommufd.js"), header("7.3", "iommufd.h"), defaultIncludeDirs(header("7.3", "iommufd.h"), X86_64)],
  ["vfio.h", path.join(ROOT, "dist", "generated", "vfio.js"), header("7.3", "vfio.h"), defaultIncludeDirs(header("7.3", "vfio.h"), X86_64)],
  ["constructs.h", path.join(ROOT, "dist", "test", "fixtures", "golden", "constructs.js"), FIXTURE, FIXTURE_INCLUDES],
];

for (const [label, mod, file, dirs] of cases) {
  test(`every codec of ${label} round-trips (fast-check)`, async () => {
    const n = await checkModule(label, mod, file, dirs, X86_64);
    assert.ok(n > 5, `${n} codecs checked`);
  });
}
