// What the emitted records are called: tagged records by their tag, anonymous records used as
// named members by `<outer>_<member>`.
import type { EnumDecl, HeaderModel, RecordDecl, TypeRef } from "../model/ir.js";
import type { RecordNames } from "./records.js";

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

export function recordNames(model: HeaderModel): RecordNames {
  const names = namedRecords(model);
  return {
    of(decl) {
      const n = names.get(decl);
      if (!n) throw new Error(`internal: no name for record at ${decl.loc.file}:${decl.loc.line}`);
      return n;
    },
  };
}

/**
 * The header's own records to emit: tagged ones, typedef-named ones, and anonymous ones it uses
 * as named members. Records of included headers are emitted in their own header's module
 * (plan.ts), which this one imports.
 */
export function emittedRecords(model: HeaderModel): RecordDecl[] {
  return model.records.filter((r) => r.tag || r.typedefName || isNamedMemberType(model, r));
}

/**
 * The types of a record's members as its code sees them: an anonymous struct or union without a
 * member name is flattened into the record, so its members' types stand in for it.
 */
export function memberTypes(r: RecordDecl): TypeRef[] {
  const out: TypeRef[] = [];
  for (const m of r.members ?? []) {
    if (m.name === undefined && m.type.kind === "record" && m.bitWidth === undefined) out.push(...memberTypes(m.type.decl));
    else if (m.name !== undefined) out.push(m.type);
  }
  return out;
}

function isNamedMemberType(model: HeaderModel, r: RecordDecl): boolean {
  return model.all.records.some((o) => (o.members ?? []).some((m) => m.name !== undefined && recordOf(m.type) === r));
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
