// What the emitted records are called: tagged records by their tag, anonymous records used as
// named members by `<outer>_<member>`.
import type { HeaderModel, RecordDecl, TypeRef } from "../model/ir.js";
import type { RecordNames } from "./records.js";

export function recordNames(model: HeaderModel): RecordNames {
  const names = new Map<RecordDecl, string>();
  for (const r of model.all.records) if (r.tag ?? r.typedefName) names.set(r, (r.tag ?? r.typedefName)!);
  // Anonymous records used as named members get `<outer>_<member>`.
  const visit = (outer: RecordDecl, prefix: string) => {
    for (const m of outer.members ?? []) {
      const inner = recordOf(m.type);
      if (!inner || inner.tag) continue;
      const name = m.name ? `${prefix}_${m.name}` : prefix;
      if (m.name) names.set(inner, name);
      visit(inner, name);
    }
  };
  for (const r of model.all.records) if (r.tag ?? r.typedefName) visit(r, (r.tag ?? r.typedefName)!);
  return {
    of(decl) {
      const n = names.get(decl);
      if (!n) throw new Error(`internal: no name for record at ${decl.loc.file}:${decl.loc.line}`);
      return n;
    },
  };
}

/** Records to emit: the header's tagged ones, and anonymous ones it uses as named members. */
export function emittedRecords(model: HeaderModel): RecordDecl[] {
  return model.records.filter((r) => r.tag || r.typedefName || isNamedMemberType(model, r));
}

function isNamedMemberType(model: HeaderModel, r: RecordDecl): boolean {
  return model.all.records.some((o) => (o.members ?? []).some((m) => m.name !== undefined && recordOf(m.type) === r));
}

/** The record a member holds, directly or as the element of a (multi-dimensional) array. */
function recordOf(t: TypeRef): RecordDecl | undefined {
  let cur = t;
  while (cur.kind === "array") cur = cur.element;
  return cur.kind === "record" ? cur.decl : undefined;
}
