// Which module of a run emits each record and enum. A header's own declarations are in its
// module. Those of included headers that the run uses (kvm.h's `struct kvm_regs` from asm/kvm.h)
// are in one module per included header, named after it (`<out>/asm/kvm.ts`), which every module
// using them imports: one codec and one type per C type, however many headers use it.
//
// Every module serves every ABI row of the run. An included header is modelled per row from the
// models of the headers that include it (asm/kvm.h is x86_64's file on x86_64, arm64's on arm64),
// so its module picks its row's layouts at load time like any other. What the run uses must be
// declared in the same header on every row: a record or enum missing on a row, or declared in
// another header there (a clash: no import can follow it), is a located error suggesting --arch.
import path from "node:path";
import { fail } from "../ir/diagnostics.js";
import type { EnumDecl, HeaderModel, RecordDecl } from "../ir/decls.js";
import { headerName } from "./module.js";
import { emittedRecords, enumOf, memberTypes, namedRecords, recordNames, recordOf } from "./names.js";
import type { AbiUnit } from "./variants.js";

export interface RunHeader {
  /** Its module: `<out>/kvm.ts`. */
  file: string;
  /** The header modelled for each ABI row of the run (the same rows, in the same order, for all). */
  units: AbiUnit[];
  /** Each row's include directories: they name an included header as C includes it. */
  includeDirs: string[][];
}

export interface PlannedModule {
  file: string;
  /** The header as C includes it: `linux/kvm.h`, `asm/kvm.h`. */
  header: string;
  /** Per row: the header's model; an included header's has just what the run uses of it. */
  units: AbiUnit[];
  /** Set for an included header's module: the run's headers that use it (`linux/kvm.h`). */
  usedBy?: string[];
  /** Records this module's code refers to that another module emits: name -> import specifier. */
  imports: Map<string, string>;
}

/** An included header's module as the run fills it. */
interface Included {
  file: string;
  header: string;
  usedBy: Set<string>;
  /** What the run uses of it, by name: a declaration (for messages) and the rows using it. */
  records: Map<string, Used<RecordDecl>>;
  enums: Map<string, Used<EnumDecl>>;
}

interface Used<T> {
  decl: T;
  rows: Set<string>;
}

/** Where a module's code finds a record: home module file -> the rows and a declaration there. */
type Homes = Map<string, Used<RecordDecl>>;

/** Notes that `row` uses `decl` under `key`. */
function note<T>(map: Map<string, Used<T>>, key: string, decl: T, row: string): void {
  const used = map.get(key) ?? { decl, rows: new Set<string>() };
  used.rows.add(row);
  map.set(key, used);
}

/** A header of the run as one row models it, with its declarations indexed by header and name. */
interface Source {
  unit: AbiUnit;
  records: Map<string, Map<string, RecordDecl>>;
  enums: Map<string, Map<string, EnumDecl>>;
}

/** The file declaring `d`, absolute (an -I directory given relative gives relative locations). */
const fileOf = (d: RecordDecl | EnumDecl) => path.resolve(d.loc.file);

/** Enums have no codec to import; an anonymous one is known by its first enumerator. */
const enumKey = (e: EnumDecl) => e.tag ?? e.enumerators[0]?.name ?? `<enum at line ${e.loc.line}>`;

/** `asm/kvm.h` for a file found in `<dir>/asm/kvm.h`: relative to the deepest include directory holding it. */
export function includeName(file: string, dirs: string[]): string {
  file = path.resolve(file);
  const holding = dirs.map((d) => path.resolve(d)).filter((d) => file.startsWith(d + path.sep));
  const dir = holding.sort((a, b) => b.length - a.length)[0];
  return dir ? path.relative(dir, file).split(path.sep).join("/") : path.basename(file);
}

/** `./asm/kvm.js` from `<out>/kvm.ts` to `<out>/asm/kvm.ts`. */
export function moduleSpecifier(from: string, to: string): string {
  // The compiled module's name: the source's with `.js` for `.ts`.
  const target = path.format({ ...path.parse(to), base: undefined, ext: ".js" });
  const rel = path.relative(path.dirname(from), target).split(path.sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

export function planModules(run: RunHeader[], out: string): PlannedModule[] {
  const rows = run[0]!.units.map((u) => u.abi.name);
  const mainOf = new Map(run.map((h) => [h.units[0]!.model.file, h]));
  const mainModules = new Map<string, RunHeader>();
  for (const h of run) {
    const other = mainModules.get(h.file);
    if (other) fail("usage", `${other.units[0]!.model.displayName} and ${h.units[0]!.model.displayName} would both be emitted as ${h.file}`);
    mainModules.set(h.file, h);
  }
  const included = new Map<string, Included>();
  const headerAt = (file: string) => included.get(file)?.header ?? headerName(mainModules.get(file)!.units[0]!.model.file);
  const uses = new Map<string, Map<string, Homes>>();

  rows.forEach((row, i) => {
    for (const h of run) {
      const unit = h.units[i]!;
      const names = recordNames(unit.model);
      const mainHeader = headerAt(h.file);
      const homeOf = (d: RecordDecl | EnumDecl): Included | undefined => {
        if (mainOf.has(fileOf(d))) return undefined;
        const header = includeName(d.loc.file, h.includeDirs[i]!);
        const file = path.join(out, `${header.replace(/^linux\//, "").replace(/\.h$/, "")}.ts`);
        if (mainModules.has(file)) fail("clash", `${header} would be emitted as ${file}, the module of a header of the run`, d.loc);
        const inc = included.get(file) ?? { file, header, usedBy: new Set(), records: new Map(), enums: new Map() };
        if (inc.header !== header) fail("clash", `${header} and ${inc.header} would both be emitted as ${file}`, d.loc);
        included.set(file, inc);
        inc.usedBy.add(mainHeader);
        return inc;
      };
      const seen = new Set<RecordDecl>();
      const use = (from: string, d: RecordDecl) => {
        const inc = homeOf(d);
        const file = inc?.file ?? mainOf.get(fileOf(d))!.file;
        const name = names.of(d);
        if (file !== from) {
          const byName = uses.get(from) ?? new Map<string, Homes>();
          uses.set(from, byName);
          const homes: Homes = byName.get(name) ?? new Map();
          byName.set(name, homes);
          note(homes, file, d, row);
        }
        if (!inc) return;
        note(inc.records, name, d, row);
        if (seen.has(d)) return;
        seen.add(d);
        useMembers(file, d);
      };
      const useMembers = (from: string, r: RecordDecl) => {
        for (const t of memberTypes(r)) {
          const held = recordOf(t);
          if (held) use(from, held);
          const e = enumOf(t);
          const inc = e && homeOf(e);
          if (e && inc) note(inc.enums, enumKey(e), e, row);
        }
      };
      for (const r of emittedRecords(unit.model)) useMembers(h.file, r);
      for (const c of unit.model.constants) if (c.ioctl?.argument) use(h.file, c.ioctl.argument);
      for (const p of unit.model.userPointers) if (p.pointee) use(h.file, p.pointee);
    }
  });

  const importsOf = (file: string, own: Set<string>) => {
    const imports = new Map<string, string>();
    for (const [name, homes] of [...(uses.get(file) ?? [])].sort(([a], [b]) => a.localeCompare(b))) {
      const [chosen, ...others] = [...homes];
      const [home, first] = chosen!;
      for (const [other, o] of others) {
        const where = (header: string, rows: Set<string>) => `in ${header} for ${[...rows].join(", ")}`;
        fail("clash", `${o.decl.kind} ${name} is declared ${where(headerAt(other), o.rows)} but ${where(headerAt(home), first.rows)}; ${headerAt(file)}'s module cannot import it from both: generate for architectures that agree (--arch)`, o.decl.loc);
      }
      if (own.has(name)) fail("clash", `${first!.decl.kind} ${name} of ${headerAt(home!)} has the name of a record of ${headerAt(file)}, whose module uses both`, first!.decl.loc);
      imports.set(name, moduleSpecifier(file, home!));
    }
    return imports;
  };
  const mains = run.map((h): PlannedModule => {
    const names = recordNames(h.units[0]!.model);
    const own = new Set(emittedRecords(h.units[0]!.model).map((r) => names.of(r)));
    return { file: h.file, header: headerAt(h.file), units: h.units, imports: importsOf(h.file, own) };
  });
  const sources = rows.map((_, i) => (included.size ? run.map((h) => indexed(h.units[i]!, h.includeDirs[i]!)) : []));
  const others = [...included.values()]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((inc): PlannedModule => ({
      file: inc.file,
      header: inc.header,
      units: rows.map((_, i) => includedUnit(inc, sources[i]!)),
      usedBy: [...inc.usedBy],
      imports: importsOf(inc.file, new Set(inc.records.keys())),
    }));
  return [...mains, ...others];
}

/** A row's model of a header, its declarations indexed by the header declaring them. */
function indexed(unit: AbiUnit, dirs: string[]): Source {
  const headerOf = new Map<string, string>();
  const header = (file: string) => headerOf.get(file) ?? headerOf.set(file, includeName(file, dirs)).get(file)!;
  const records = new Map<string, Map<string, RecordDecl>>();
  const enums = new Map<string, Map<string, EnumDecl>>();
  const add = <T>(index: Map<string, Map<string, T>>, file: string, key: string, decl: T) => {
    const byKey = index.get(header(file)) ?? new Map<string, T>();
    index.set(header(file), byKey);
    if (!byKey.has(key)) byKey.set(key, decl);
  };
  for (const [r, name] of namedRecords(unit.model)) add(records, r.loc.file, name, r);
  for (const e of unit.model.all.enums) add(enums, e.loc.file, enumKey(e), e);
  return { unit, records, enums };
}

/**
 * The included header as one row has it: its declarations of what the run uses, from the models
 * of the run's headers on that row (the first that has each; they must agree on the file).
 */
function includedUnit(inc: Included, sources: Source[]): AbiUnit {
  const abi = sources[0]!.unit.abi;
  const find = <T extends RecordDecl | EnumDecl>(key: string, used: Used<T>, index: (s: Source) => Map<string, Map<string, T>>) => {
    const found = sources.map((s) => ({ decl: index(s).get(inc.header)?.get(key), source: s })).filter((f): f is { decl: T; source: Source } => f.decl !== undefined);
    const label = `${used.decl.kind} ${key}`;
    if (!found.length) fail("unsupported", `${label} is declared in ${inc.header} for ${[...used.rows].join(", ")} but not for ${abi.name}; generate for architectures that agree (--arch)`, used.decl.loc);
    const other = found.find((f) => fileOf(f.decl) !== fileOf(found[0]!.decl));
    if (other) fail("clash", `${label} is declared in two files for ${abi.name}: ${found[0]!.decl.loc.file} and ${other.decl.loc.file}`, other.decl.loc);
    return found[0]!;
  };
  const records = [...inc.records].map(([name, used]) => find(name, used, (s) => s.records));
  const enums = [...inc.enums].map(([key, used]) => find(key, used, (s) => s.enums));
  const models = sources.filter((s) => [...records, ...enums].some((f) => f.source === s)).map((s) => s.unit.model);
  const model: HeaderModel = {
    file: (records[0] ?? enums[0])!.decl.loc.file,
    displayName: inc.header,
    records: records.map((f) => f.decl),
    enums: enums.map((f) => f.decl),
    typedefs: [],
    constants: [],
    otherDefines: [],
    docs: [],
    kerneldocs: [],
    looseDocs: [],
    comments: [],
    macroNames: [],
    inactiveNames: new Set(),
    macros: [],
    userPointers: [],
    trailingPolicies: [],
    capabilities: [],
    // Names resolve over every model a declaration came from.
    all: { records: models.flatMap((m) => m.all.records), enums: models.flatMap((m) => m.all.enums), typedefs: models.flatMap((m) => m.all.typedefs) },
  };
  return { abi, model, layout: (records[0] ?? enums[0])!.source.unit.layout };
}
