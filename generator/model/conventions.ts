// The headers' conventions about a struct's members that more than one consumer reads: which
// member carries the struct's size (the kernel's extensible-struct rule: it copies what the
// caller's size says and requires any tail it does not know to be zero), and which members are
// reserved (emit/records.ts keeps a narrower reserved pattern: its codecs accept only zero there).
import type { RecordDecl } from "../ir/decls.js";

/**
 * A reserved member's name: `__reserved`, `reserved2`, `__reserved_1`, `rsvd`, `res1`, `__pad`,
 * `pad1`, `__spare2`, `mem_rsvd`...
 */
export const RESERVED_MEMBER = /^(__)?(reserved|rsvd|resv|res|pad|padding|spare|unused)_?\d*$|_(reserved|rsvd|resv|pad|spare)\d*$/i;

export function isReservedName(name: string): boolean {
  return RESERVED_MEMBER.test(name);
}

/**
 * The struct's size member, by the headers' conventions: a first member `argsz` (vfio), or `size`
 * documented as `sizeof(struct <tag>)` (iommufd).
 */
export function sizeMemberName(decl: RecordDecl): string | undefined {
  const first = decl.members?.[0]?.name;
  if (first === "argsz") return first;
  if (first !== "size" || !decl.tag) return undefined;
  const doc = decl.doc?.params.find((p) => p.name === "size")?.lines.map((l) => l.text).join(" ") ?? "";
  const said = /sizeof\s*\(\s*struct\s+(\w+)\s*\)/g;
  for (let m = said.exec(doc); m; m = said.exec(doc)) if (m[1] === decl.tag) return first;
  return undefined;
}

/**
 * The member telling the kernel how much of the struct the caller knows, for ABI comparison: the
 * size member above, or a member `size`, `argsz` or `hdr_len` among the first four
 * (`perf_event_attr.size`, `btf_header.hdr_len`).
 */
export function extensibleSizeMember(decl: RecordDecl): string | undefined {
  return sizeMemberName(decl) ?? decl.members?.slice(0, 4).find((m) => m.name !== undefined && /^(argsz|size|hdr_len)$/.test(m.name))?.name;
}

/** What the docs say of a member: its @name: lines in the record's kerneldoc and its own comment. */
export function memberDocText(decl: RecordDecl, name: string, comment?: { text: string }): string {
  const param = decl.doc?.params.find((p) => p.name === name)?.lines.map((l) => l.text).join(" ") ?? "";
  return `${param} ${comment?.text ?? ""}`.trim();
}
