// What the emitted records are called: tagged records by their tag, anonymous records used as
// named members by `<outer>_<member>`.
import type { EnumDecl, HeaderModel, Member, RecordDecl, TypeRef } from "../ir/decls.js";
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
