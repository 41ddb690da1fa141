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
      if (!inner || inner.tag || inner.typedefName) continue;
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

/**
 * Records to emit: the header's tagged ones, anonymous ones it uses as named members, and the
 * records of included headers its records hold (`guid_t` in acrn.h): a module is complete on its
 * own, its codecs never refer to a name it does not define. Included records come first, in the
 * order they are met.
 */
export function emittedRecords(model: HeaderModel): RecordDecl[] {
  const own = model.records.filter((r) => r.tag || r.typedefName || isNamedMemberType(model, r));
  const mine = new Set(model.records);
  const included: RecordDecl[] = [];
  const seen = new Set<RecordDecl>();
  const visit = (r: RecordDecl) => {
    for (const m of r.members ?? []) {
      const inner = recordOf(m.type);
      if (!inner || seen.has(inner)) continue;
      seen.add(inner);
      visit(inner);
      if (!mine.has(inner) && (inner.tag || inner.typedefName || isNamedMemberType(model, inner))) included.push(inner);
    }
  };
  // The ioctls' argument structs too: KVM_GET_CPUID2 takes asm/kvm.h's struct kvm_cpuid2.
  for (const c of model.constants) {
    const arg = c.ioctl?.argument;
    if (!arg || mine.has(arg) || seen.has(arg)) continue;
    seen.add(arg);
    visit(arg);
    included.push(arg);
  }
  for (const r of own) visit(r);
  return [...included, ...own];
}

function isNamedMemberType(model: HeaderModel, r: RecordDecl): boolean {
  return model.all.records.some((o) => (o.members ?? []).some((m) => m.name !== undefined && recordOf(m.type) === r));
}

/** The record a member holds, directly or as the element of a (multi-dimensional) array. */
function recordOf(t: TypeRef): RecordDecl | undefined {
  let cur = t;
  while (cur.kind === "array" || cur.kind === "typedef") cur = cur.kind === "array" ? cur.element : cur.decl.type;
  return cur.kind === "record" ? cur.decl : undefined;
}
