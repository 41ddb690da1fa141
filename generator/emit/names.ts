// What emitted code is called. One scheme: what C declares keeps its C name (a struct's
// interface and codec `iommu_ioas_map`, enums, constants, request numbers `IOMMU_IOAS_MAP`);
// what uapigen adds follows TypeScript's conventions, spelled from the C name: types and classes
// in PascalCase (`IommuIoasMapInit`, `IommuIoasMapView`), functions in camelCase (the typed call
// `iommuIoasMap`). Anonymous records used as named members are called `<outer>_<member>`.
import path from "node:path";
import type { EnumDecl, HeaderModel, Member, RecordDecl, TypeRef } from "../ir/decls.js";
import { fail, type SourceLocation } from "../ir/diagnostics.js";
import { symbol } from "./print/marks.js";
import type { RecordNames, RecordRef } from "./records.js";

/**
 * `IommuIoasMap` from `iommu_ioas_map` or `IOMMU_IOAS_MAP`; leading underscores are kept. The
 * words of an all-caps name (a macro) are lowercased after their first letter; any other name
 * keeps its letters (`v4l2_mpeg_vbi_ITV0` and `v4l2_mpeg_vbi_itv0` are two structs).
 */
export function pascalCase(cName: string): string {
  const lead = /^_*/.exec(cName)![0];
  const words = cName.slice(lead.length).split("_").filter(Boolean);
  const allCaps = !/[a-z]/.test(cName);
  return lead + words.map((w) => w[0]!.toUpperCase() + (allCaps ? w.slice(1).toLowerCase() : w.slice(1))).join("");
}

/** `iommuIoasMap` from `IOMMU_IOAS_MAP`. */
export function camelCase(cName: string): string {
  const p = pascalCase(cName);
  const lead = /^_*/.exec(p)![0];
  return lead + p.charAt(lead.length).toLowerCase() + p.slice(lead.length + 1);
}

/** What encode accepts for a record: `IommuIoasMapInit`. */
export const initName = (record: string) => `${pascalCase(record)}Init`;
/** A record's zero-copy view class: `IommuIoasMapView`. */
export const viewName = (record: string) => `${pascalCase(record)}View`;
/** The module-private function refusing keys a record does not have: `checkIommuIoasMapKeys`. */
export const keyCheckName = (record: string) => `check${pascalCase(record)}Keys`;
/** A record's numbers per variant, where only they differ between variants: `vfioBitmapLayout`. */
export const layoutName = (record: string) => `${camelCase(record)}Layout`;
/** The typed call of a request, and its Async and Unsafe forms: `iommuIoasMap`, `iommuIoasMapAsync`. */
export const callName = (request: string, form: CallForm = "") => `${camelCase(request)}${form}`;

export type CallForm = "" | "Async" | "Unsafe";

/**
 * The typed calls' names for a header's requests. A form whose name is another request's call
 * (ublk_cmd.h's UBLK_U_CMD_DEL_DEV's Async form and UBLK_U_CMD_DEL_DEV_ASYNC) puts `Call`
 * before the form: `ublkUCmdDelDevCallAsync`. The ioctls table names such an Unsafe form, so
 * the runtime's messages can.
 */
export function callNames(requests: readonly string[]): (request: string, form?: CallForm) => string {
  const plain = new Set(requests.map((r) => callName(r)));
  return (request, form = "") => {
    const name = callName(request, form);
    return form && plain.has(name) ? `${callName(request)}Call${form}` : name;
  };
}

/** Names a module cannot declare: JavaScript's reserved words and TypeScript's built-in types. */
const RESERVED_WORDS = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "implements import in instanceof interface let new null package private protected public return static super switch this throw " +
    "true try typeof var void while with yield arguments eval any bigint boolean never number object string symbol undefined unknown"
  ).split(" "),
);

/**
 * The names one module declares or imports, each claimed once: two declarations spelling the same
 * name (`foo_bar` and `foo__bar` both give `FooBarView`; a struct `zero` and the runtime's
 * `zero`) would not compile, so the second is a located error.
 */
export class NameTable {
  private readonly owners = new Map<string, { what: string; loc?: SourceLocation }>();

  claim(name: string, what: string, loc?: SourceLocation): void {
    if (RESERVED_WORDS.has(name)) fail("name-clash", `${what} would be called '${name}', which TypeScript reserves`, loc);
    const had = this.owners.get(name);
    if (!had) {
      this.owners.set(name, { what, loc });
      return;
    }
    const where = had.loc ? ` (${path.basename(had.loc.file)}:${had.loc.line})` : "";
    fail("name-clash", `${what} and ${had.what}${where} would both be called '${name}' in the generated module`, loc ?? had.loc);
  }
}

/** Every record of the model that has a name (an anonymous record flattened into another has none). */
export function namedRecords(model: HeaderModel): Map<RecordDecl, string> {
  const names = new Map<RecordDecl, string>();
  for (const r of model.all.records) if (r.tag ?? r.typedefName) names.set(r, (r.tag ?? r.typedefName)!);
  // Anonymous records used as named members get `<outer>_<member>`.
  const visit = (outer: RecordDecl, prefix: string) => {
    for (const m of outer.members ?? []) {
      const inner = recordOf(m.type);
      if (!inner || inner.tag || inner.typedefName) continue;
      const name = m.name ? `${prefix}_${m.name}` : prefix;
      if (m.name) names.set(inner, name);
      visit(inner, name);
    }
  };
  for (const r of model.all.records) if (r.tag ?? r.typedefName) visit(r, (r.tag ?? r.typedefName)!);
  return names;
}

/**
 * The records' names, and how code refers to them. `home` gives the module that emits a record
 * when it is not the one being written: there a reference is a symbol, and writing it imports
 * the record (`typeOnly`: as types only, as the typed-call modules use them).
 */
export function recordNames(model: HeaderModel, home: (name: string) => string | undefined = () => undefined, typeOnly = false): RecordNames {
  const names = namedRecords(model);
  const of = (decl: RecordDecl) => {
    const n = names.get(decl);
    if (!n) throw new Error(`internal: no name for record at ${decl.loc.file}:${decl.loc.line}`);
    return n;
  };
  return {
    of,
    ref(decl): RecordRef {
      const name = of(decl);
      const from = home(name);
      if (from === undefined) return { codec: name, init: initName(name), view: viewName(name) };
      return { codec: symbol(name, from, typeOnly), init: symbol(initName(name), from, true), view: symbol(viewName(name), from, typeOnly) };
    },
  };
}

/**
 * The header's own records to emit: tagged ones, typedef-named ones, and anonymous ones it uses
 * as named members. Records of included headers are emitted in their own header's module
 * (plan.ts), which this one imports.
 */
export function emittedRecords(model: HeaderModel): RecordDecl[] {
  // One pass over every member: a record per record would be quadratic on a header of many.
  const namedMemberTypes = new Set<RecordDecl>();
  for (const o of model.all.records) {
    for (const m of o.members ?? []) {
      const inner = m.name === undefined ? undefined : recordOf(m.type);
      if (inner) namedMemberTypes.add(inner);
    }
  }
  return model.records.filter((r) => r.tag || r.typedefName || namedMemberTypes.has(r));
}

/**
 * The types of a record's members as its code sees them: an anonymous struct or union without a
 * member name is flattened into the record, so its members' types stand in for it. Walked on an
 * explicit stack: anonymous members nest as deep as the header writes them.
 */
export function memberTypes(r: RecordDecl): TypeRef[] {
  const out: TypeRef[] = [];
  const stack: { members: readonly Member[]; next: number }[] = [{ members: r.members ?? [], next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const m = top.members[top.next++];
    if (!m) {
      stack.pop();
      continue;
    }
    if (m.name === undefined && m.type.kind === "record" && m.bitWidth === undefined) stack.push({ members: m.type.decl.members ?? [], next: 0 });
    else if (m.name !== undefined) out.push(m.type);
  }
  return out;
}

/** The type a member holds, through typedefs and (multi-dimensional) arrays. */
function elementOf(t: TypeRef): TypeRef {
  let cur = t;
  while (cur.kind === "array" || cur.kind === "typedef") cur = cur.kind === "array" ? cur.element : cur.decl.type;
  return cur;
}

/** The record a member holds, directly or as the element of an array. */
export function recordOf(t: TypeRef): RecordDecl | undefined {
  const e = elementOf(t);
  return e.kind === "record" ? e.decl : undefined;
}

/** The enum a member is declared with, directly or as the element of an array. */
export function enumOf(t: TypeRef): EnumDecl | undefined {
  const e = elementOf(t);
  return e.kind === "enum" ? e.decl : undefined;
}
