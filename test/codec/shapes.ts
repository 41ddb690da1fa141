// What the codec tests need to know about each record of a header on one architecture, as plain
// JSON: the generator's plan, computed on the host, so the checks themselves (check.ts) run
// without the generator (under s390x Node, for one).
import { planRecord, type FieldKind } from "#generator/emit/records.js";
import { emittedRecords, memberTypes, recordNames, recordOf } from "#generator/emit/names.js";
import { mixedSignBytes, wideMembers } from "#generator/emit/variants.js";
import { ABIS, type Abi } from "#generator/target/abi.js";
import { buildHeader, includeDirsFor, type BuiltHeader } from "#generator/model/build.js";
import type { RecordDecl } from "#generator/ir/decls.js";

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

/** The emitter's choices that depend on all the module's rows: bigint members, byte arrays. */
export interface RowChoices {
  wide: Map<string, Set<string>>;
  bytes: Map<string, Set<string>>;
}

export const rowChoices = (units: BuiltHeader[]): RowChoices => ({ wide: wideMembers(units), bytes: mixedSignBytes(units) });

/**
 * Builds `file` for `abi` (swapping a triplet -I for the row's own) and describes its records,
 * as the emitter plans them for a module of `rows` (default: every row).
 */
export function shapesFor(file: string, abi: Abi, includeDirs?: string[], rows?: Abi[]): Shapes {
  const built = buildHeader(file, { abi, includeDirs: includeDirsFor(file, abi, includeDirs) });
  const choices = rows
    ? rowChoices(rows.map((row) => (row === abi ? built : buildHeader(file, { abi: row, includeDirs: includeDirsFor(file, row, includeDirs) }))))
    : choicesForEveryRow(file, includeDirs);
  return shapesOf(built, choices);
}

/** The records of a built header, planned with the module's row choices. */
export function shapesOf(built: BuiltHeader, choices: RowChoices): Shapes {
  const names = recordNames(built.model);
  const out: Shapes = {};
  for (const r of recordsInUse(built)) {
    const name = names.of(r);
    out[name] = {
      kind: r.kind,
      cType: r.tag ? `${r.kind} ${r.tag}` : r.typedefName,
      size: built.layout.record(r).size,
      members: planRecord(r, built.layout, names, choices.wide.get(name), choices.bytes.get(name)).map((p) => ({
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

/**
 * The header's own records, and the included headers' records they hold or its ioctls take
 * (their codecs live in those headers' modules): a nested record's padding is only known from
 * its own shape.
 */
function recordsInUse(built: BuiltHeader): RecordDecl[] {
  const seen = new Set<RecordDecl>(emittedRecords(built.model));
  const todo = [...seen, ...built.model.constants.flatMap((c) => (c.ioctl?.argument ? [c.ioctl.argument] : []))];
  for (let r = todo.pop(); r; r = todo.pop()) {
    seen.add(r);
    for (const t of memberTypes(r)) {
      const inner = recordOf(t);
      if (inner && !seen.has(inner)) todo.push(inner);
    }
  }
  return [...seen];
}

const choicesCache = new Map<string, RowChoices>();

/** The choices of a module for every row (the default of `uapigen generate`). */
function choicesForEveryRow(file: string, includeDirs?: string[]): RowChoices {
  const key = JSON.stringify([file, includeDirs]);
  let choices = choicesCache.get(key);
  if (!choices) {
    choices = rowChoices(Object.values(ABIS).map((abi) => buildHeader(file, { abi, includeDirs: includeDirsFor(file, abi, includeDirs) })));
    choicesCache.set(key, choices);
  }
  return choices;
}
