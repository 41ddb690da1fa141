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
  const namedMemberTypes = new Set<RecordDecl>();
  for (const o of model.all.records) {
    for (const m of o.members ?? []) {
      const inner = m.name === undefined ? undefined : recordOf(m.type);
      if (inner) namedMemberTypes.add(inner);
    }
  }
  const own = model.records.filter((r) => r.tag || r.typedefName || namedMemberTypes.has(r));
  const mine = new Set(model.records);
  const included: RecordDecl[] = [];
  const seen = new Set<RecordDecl>();
  // Depth first on an explicit stack (records hold records as deep as the header nests them);
  // a record comes after the records it holds.
  const visit = (root: RecordDecl) => {
    const stack = [{ record: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const m = top.record.members?.[top.next++];
      if (!m) {
        stack.pop();
        const r = top.record;
        if (stack.length && !mine.has(r) && (r.tag || r.typedefName || namedMemberTypes.has(r))) included.push(r);
        continue;
      }
      const inner = recordOf(m.type);
      if (!inner || seen.has(inner)) continue;
      seen.add(inner);
      stack.push({ record: inner, next: 0 });
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

/** The record a member holds, directly or as the element of a (multi-dimensional) array. */
function recordOf(t: TypeRef): RecordDecl | undefined {
  let cur = t;
  while (cur.kind === "array" || cur.kind === "typedef") cur = cur.kind === "array" ? cur.element : cur.decl.type;
  return cur.kind === "record" ? cur.decl : undefined;
}
