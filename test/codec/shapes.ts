// What the codec tests need to know about each record of a header on one architecture, as plain
// JSON: the generator's plan, computed on the host, so the checks themselves (check.ts) run
// without the generator (under s390x Node, for one).
import { planRecord, type FieldKind } from "../../generator/emit/records.js";
import { emittedRecords, recordNames } from "../../generator/emit/names.js";
import { wideMembers } from "../../generator/emit/variants.js";
import { ABIS, type Abi } from "../../generator/model/abi.js";
import { buildHeader, includeDirsFor, type BuiltHeader } from "../../generator/model/build.js";

export type KindShape =
  | { scalar: { bits: number; signed: boolean; float: boolean; wide: boolean; order: "native" | "little" | "big"; ctype: string } }
  | { record: string }
  | { array: { element: KindShape; length: number } };

export interface MemberShape {
  name: string;
  offset: number;
  size: number;
  inUnion: boolean;
  role: "plain" | "size" | "reserved" | "flexible";
  /** Absolute allocation-order bit offset and width, for bitfields. */
  bitfield?: { bitOffset: number; width: number; signed: boolean };
  kind?: KindShape;
}

export interface RecordShape {
  kind: "struct" | "union";
  /** How C names the type: `struct iommu_ioas_map` or a typedef name; absent for anonymous ones. */
  cType?: string;
  size: number;
  members: MemberShape[];
}

/** One header's records on one architecture, by codec name. */
export type Shapes = Record<string, RecordShape>;

function kindShape(k: FieldKind): KindShape {
  switch (k.kind) {
    case "scalar":
      return { scalar: { bits: k.scalar.bits, signed: k.scalar.signed, float: k.scalar.float, wide: !!k.scalar.wide, order: k.scalar.order, ctype: k.scalar.ctype } };
    case "record":
      return { record: k.codec };
    case "array":
      return { array: { element: kindShape(k.element), length: k.length } };
  }
}

/**
 * Builds `file` for `abi` (swapping a triplet -I for the row's own) and describes its records.
 * Members are typed bigint when 64 bits wide on any of `rows` (default: every row), as the
 * emitter does for a module generated for those rows.
 */
export function shapesFor(file: string, abi: Abi, includeDirs?: string[], rows?: Abi[]): Shapes {
  const built = buildHeader(file, { abi, includeDirs: includeDirsFor(file, abi, includeDirs) });
  const wide = rows
    ? wideMembers(rows.map((row) => (row === abi ? built : buildHeader(file, { abi: row, includeDirs: includeDirsFor(file, row, includeDirs) }))))
    : widerElsewhere(file, includeDirs);
  return shapesOf(built, wide);
}

/** The records of a built header, with `wideByRecord` saying which members are bigint. */
export function shapesOf(built: BuiltHeader, wideByRecord: Map<string, Set<string>>): Shapes {
  const names = recordNames(built.model);
  const out: Shapes = {};
  for (const r of emittedRecords(built.model)) {
    const name = names.of(r);
    const wide = wideByRecord.get(name) ?? new Set<string>();
    out[name] = {
      kind: r.kind,
      cType: r.tag ? `${r.kind} ${r.tag}` : r.typedefName,
      size: built.layout.record(r).size,
      members: planRecord(r, built.layout, names, wide).map((p) => ({
        name: p.flat.name,
        offset: p.flat.offset,
        size: p.flat.size,
        inUnion: p.flat.inUnion,
        role: p.role,
        ...(p.bitfield ? { bitfield: { bitOffset: p.flat.bitOffset!, width: p.bitfield.width, signed: p.bitfield.unit.signed } } : {}),
        ...(p.kind ? { kind: kindShape(p.kind) } : {}),
      })),
    };
  }
  return out;
}

const wideCache = new Map<string, Map<string, Set<string>>>();

/** The emitter's decision over every row (members typed bigint because another row makes them 64 bits). */
function widerElsewhere(file: string, includeDirs?: string[]): Map<string, Set<string>> {
  const key = JSON.stringify([file, includeDirs]);
  let wide = wideCache.get(key);
  if (!wide) {
    wide = wideMembers(Object.values(ABIS).map((abi) => buildHeader(file, { abi, includeDirs: includeDirsFor(file, abi, includeDirs) })));
    wideCache.set(key, wide);
  }
  return wide;
}
