// One module serves every architecture it was generated for. The header is modelled once per ABI
// row; rows whose records and constants come out as the same code share a variant, and the
// module picks its variant at load time. Byte order is not part of a variant: native members read
// the module's `LE`, so x86_64 and s390x share code when their layouts agree.
import { fail } from "../ir/diagnostics.js";
import type { Abi } from "../target/abi.js";
import type { HeaderModel } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import { recordCode, memberPlace, type LayoutElsewhere, type RecordCode, type RecordUnit } from "./record-code.js";
import { emittedRecords, recordNames } from "./names.js";
import { decodedType, planRecord, type PlannedMember } from "./records.js";

/** The header as modelled for one ABI row. */
export interface AbiUnit {
  abi: Abi;
  model: HeaderModel;
  layout: LayoutEngine;
}

export interface RecordVariants {
  /** The record on the primary row, whose types and docs the module writes. */
  primary: RecordUnit;
  /** Code per variant (index = variant). */
  codes: RecordCode[];
  /** How the other variants lay it out, for the docs. */
  elsewhere: LayoutElsewhere[];
}

export interface ModuleVariants {
  /** Row name -> variant, in row order. */
  variantOf: Map<string, number>;
  /** The rows of each variant. */
  arches: string[][];
  /** Per emitted record name (primary order). */
  records: Map<string, RecordVariants>;
  /** Constant or enumerator name -> value text per variant ("undefined" where a row lacks it). */
  values: Map<string, string[]>;
}

/** Each row's records planned without the choices rows make together (wide, bytes). */
type FirstPlans = Map<string, PlannedMember[]>[];

function firstPlans(units: { model: HeaderModel; layout: LayoutEngine }[], names = units.map((u) => recordNames(u.model))): FirstPlans {
  return units.map((u, i) => new Map(emittedRecords(u.model).map((r) => [names[i]!.of(r), planRecord(r, u.layout, names[i]!)])));
}

/**
 * Record name -> members that are 64 bits on some row and narrower on another (`long`): they get
 * bigint types everywhere (Scalar.wide).
 */
export function wideMembers(units: { model: HeaderModel; layout: LayoutEngine }[], plans: FirstPlans = firstPlans(units)): Map<string, Set<string>> {
  const widths = new Map<string, Map<string, Set<number>>>();
  for (const row of plans) {
    for (const [name, plan] of row) {
      const perMember = widths.get(name) ?? new Map<string, Set<number>>();
      widths.set(name, perMember);
      for (const p of plan) {
        if (p.kind?.kind !== "scalar" || p.kind.scalar.float) continue;
        perMember.set(p.flat.name, (perMember.get(p.flat.name) ?? new Set<number>()).add(p.kind.scalar.bits));
      }
    }
  }
  return new Map([...widths].map(([rec, members]) => [rec, new Set([...members].filter(([, bits]) => bits.size > 1 && bits.has(64)).map(([m]) => m))]));
}

/**
 * The width of each scalar an ioctl points at. A request's size encodes it, so its value tells
 * rows apart; a legacy request's or an `_IO` one's does not (a `long` is 8 bytes on x86_64 and
 * 4 on i386 behind the same number), so the widths are part of what makes a variant.
 */
function pointedScalarWidths(u: AbiUnit): [string, number][] {
  return u.model.constants.flatMap((c) => {
    const io = c.ioctl;
    return io?.scalarPassing === "pointer" && io.scalarArgument ? [[c.name, io.size || u.layout.sizeOf(io.scalarArgument)] as [string, number]] : [];
  });
}

/**
 * Record name -> arrays of 8-bit integers signed on some row and unsigned on another (plain
 * `char`: signed on x86_64, unsigned on s390x, arm, aarch64, ppc): they are bytes everywhere.
 */
export function mixedSignBytes(units: { model: HeaderModel; layout: LayoutEngine }[], plans: FirstPlans = firstPlans(units)): Map<string, Set<string>> {
  const signs = new Map<string, Map<string, Set<boolean>>>();
  for (const row of plans) {
    for (const [name, plan] of row) {
      const perMember = signs.get(name) ?? new Map<string, Set<boolean>>();
      signs.set(name, perMember);
      for (const p of plan) {
        let k = p.kind;
        if (k?.kind !== "array") continue;
        while (k.kind === "array") k = k.element;
        if (k.kind !== "scalar" || k.scalar.float || k.scalar.bits !== 8) continue;
        perMember.set(p.flat.name, (perMember.get(p.flat.name) ?? new Set<boolean>()).add(k.scalar.signed));
      }
    }
  }
  return new Map([...signs].map(([rec, members]) => [rec, new Set([...members].filter(([, s]) => s.size > 1).map(([m]) => m))]));
}

/**
 * Groups rows into variants. `values` renders each constant and enumerator of a model as code;
 * `home` gives the module of a record another module emits (recordNames).
 */
export function moduleVariants(units: AbiUnit[], values: (model: HeaderModel) => Map<string, string>, home?: (name: string) => string | undefined): ModuleVariants {
  const primary = units[0]!;
  const perUnit = units.map((u) => {
    const names = recordNames(u.model, home);
    return { unit: u, names, byName: new Map(emittedRecords(u.model).map((r) => [names.of(r), r])), values: values(u.model) };
  });
  const primaryNames = [...perUnit[0]!.byName.keys()];
  for (const pu of perUnit.slice(1)) {
    for (const [name, decl] of [...perUnit[0]!.byName, ...pu.byName]) {
      if (!pu.byName.has(name) || !perUnit[0]!.byName.has(name)) {
        const has = perUnit[0]!.byName.has(name) ? primary.abi.name : pu.unit.abi.name;
        const lacks = has === primary.abi.name ? pu.unit.abi.name : primary.abi.name;
        fail("unsupported", `${decl.kind} ${name} is declared for ${has} but not for ${lacks}; generate for architectures that agree (--arch)`, decl.loc);
      }
    }
  }

  // Planned once per row; planned again only where the rows' choices change a record.
  const plans = firstPlans(units, perUnit.map((pu) => pu.names));
  const wide = wideMembers(units, plans);
  const bytes = mixedSignBytes(units, plans);
  const recordUnits = (name: string) =>
    perUnit.map((pu, i): RecordUnit => {
      const decl = pu.byName.get(name)!;
      const chosen = (wide.get(name)?.size ?? 0) + (bytes.get(name)?.size ?? 0) > 0;
      const plan = chosen ? planRecord(decl, pu.unit.layout, pu.names, wide.get(name), bytes.get(name)) : plans[i]!.get(name)!;
      return { decl, layout: pu.unit.layout, names: pu.names, pointers: pu.unit.model.userPointers.filter((p) => p.record === decl), trailing: pu.unit.model.trailingPolicies.find((t) => t.record === decl), capabilities: pu.unit.model.capabilities.filter((c) => c.info === decl), plan };
    });
  const codeOf = new Map<string, { units: RecordUnit[]; codes: RecordCode[] }>();
  for (const name of primaryNames) {
    const rus = recordUnits(name);
    const codes = rus.map(recordCode);
    // The TypeScript types must not depend on the machine. The order of the members may: ip.h's
    // iphdr declares `ihl:4, version:4` or `version:4, ihl:4` by bitfield order, one type either way.
    const types = rus.map((ru) => JSON.stringify(ru.plan.map((p) => [p.flat.name, p.bitfield ? "number" : p.kind ? decodedType(p.kind) : "flexible"]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))));
    const odd = types.findIndex((t) => t !== types[0]);
    if (odd > 0) fail("unsupported", `${name} has different members or member types on ${units[odd]!.abi.name} than on ${primary.abi.name}; generate for architectures that agree (--arch)`, rus[0]!.decl.loc);
    codeOf.set(name, { units: rus, codes });
  }

  const valueNames = [...perUnit[0]!.values.keys()];
  for (const pu of perUnit) for (const n of pu.values.keys()) if (!valueNames.includes(n)) valueNames.push(n);
  const signature = (i: number) =>
    JSON.stringify([primaryNames.map((n) => codeOf.get(n)!.codes[i]), valueNames.map((n) => perUnit[i]!.values.get(n) ?? "undefined"), pointedScalarWidths(units[i]!)]);
  const keys: string[] = [];
  const variantOf = new Map<string, number>();
  const arches: string[][] = [];
  units.forEach((u, i) => {
    const key = signature(i);
    let v = keys.indexOf(key);
    if (v < 0) v = keys.push(key) - 1;
    variantOf.set(u.abi.name, v);
    (arches[v] ??= []).push(u.abi.name);
  });
  const firstUnitOf = arches.map((names) => units.findIndex((u) => u.abi.name === names[0]));

  const records = new Map<string, RecordVariants>();
  for (const name of primaryNames) {
    const { units: rus, codes } = codeOf.get(name)!;
    const places = (ru: RecordUnit) => {
      const l = ru.layout.record(ru.decl);
      return { size: l.size, align: l.align, members: new Map(ru.plan.map((p) => [p.flat.name, memberPlace(p)])) };
    };
    // Other variants' layouts, grouped by equal layout; the primary's own is not repeated.
    const keyOf = (p: Omit<LayoutElsewhere, "arches">) => JSON.stringify([p.size, p.align, [...p.members]]);
    const primaryKey = keyOf(places(rus[0]!));
    const byKey = new Map<string, LayoutElsewhere>();
    for (const [v, ui] of firstUnitOf.entries()) {
      const p = places(rus[ui]!);
      const key = keyOf(p);
      if (key === primaryKey) continue;
      const seen = byKey.get(key);
      if (seen) seen.arches.push(...arches[v]!);
      else byKey.set(key, { arches: [...arches[v]!], ...p });
    }
    const elsewhere = [...byKey.values()];
    // Only the primary row's plan is kept: a run holds every module's variants before emitting.
    records.set(name, { primary: rus[0]!, codes: firstUnitOf.map((ui) => codes[ui]!), elsewhere });
  }
  const valueMap = new Map(valueNames.map((n) => [n, firstUnitOf.map((ui) => perUnit[ui]!.values.get(n) ?? "undefined")]));
  return { variantOf, arches, records, values: valueMap };
}

/**
 * Numbers the variants for a whole run, so that `V === 3` means the same rows in every module:
 * the rows that every module treats alike share a variant, numbered in row order. A module then
 * tests the run's variants its code tells apart (`V === 3 || V === 4`).
 */
export function shareVariants(modules: ModuleVariants[]): ModuleVariants[] {
  const rows = [...(modules[0]?.variantOf.keys() ?? [])];
  const keys: string[] = [];
  const runOf = new Map<string, number>();
  const arches: string[][] = [];
  for (const row of rows) {
    const key = modules.map((m) => m.variantOf.get(row)).join(",");
    let v = keys.indexOf(key);
    if (v < 0) v = keys.push(key) - 1;
    runOf.set(row, v);
    (arches[v] ??= []).push(row);
  }
  return modules.map((m) => {
    // The module's own variant of each of the run's.
    const own = arches.map((a) => m.variantOf.get(a[0]!)!);
    return {
      variantOf: runOf,
      arches,
      records: new Map([...m.records].map(([name, rv]) => [name, { ...rv, codes: own.map((v) => rv.codes[v]!) }])),
      values: new Map([...m.values].map(([name, vs]) => [name, own.map((v) => vs[v]!)])),
    };
  });
}
