// What the kerneldoc says beyond the C types: which struct each ioctl takes, and which
// __aligned_u64 members are user pointers (to what, counted by which member). Anything the
// docs cannot tell comes from the reviewed override file of the header.
import { fail } from "../ir/diagnostics.js";
import { proseOf } from "../parse/kerneldoc.js";
import type { Capability, ConstantDecl, HeaderModel, IoctlDirection, RecordDecl, TypeRef, UserPointer } from "../ir/decls.js";
import type { Overrides } from "./overrides.js";

const DIRECTIONS: Record<string, IoctlDirection> = { _IO: "none", _IOR: "read", _IOW: "write", _IOWR: "readwrite" };

export function associate(
  model: HeaderModel,
  lookup: { tag(name: string): RecordDecl | undefined; type(name: string): TypeRef | undefined },
  overrides: Overrides,
  overridesFile: string,
): void {
  const ioctls = new Map<string, ConstantDecl>();
  for (const c of model.constants) if (c.ioctl) ioctls.set(c.name, c);
  for (const c of declareLegacyRequests(model, overrides, overridesFile)) ioctls.set(c.name, c);

  const resolveArgument = (text: string): { record?: RecordDecl; scalar?: TypeRef } => {
    const m = /^(?:struct|union)\s+(\w+)$/.exec(text);
    if (m) return { record: lookup.tag(m[1]!) };
    return { scalar: lookup.type(text) };
  };

  // iommufd style: `struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)`.
  for (const r of model.records) {
    const name = r.doc?.ioctl?.name;
    const c = name ? ioctls.get(name) : undefined;
    if (c?.ioctl && !c.ioctl.argument && (r.doc!.kind === "struct" || r.doc!.kind === "union")) {
      c.ioctl.argument = r;
      c.ioctl.argumentSource = "kerneldoc";
    }
  }
  // vfio style: `VFIO_X - _IOWR(VFIO_TYPE, VFIO_BASE + n, struct vfio_y)` above the #define.
  // The comment may stand above the #define or above the argument struct.
  const signatures = new Map([...model.looseDocs, ...model.kerneldocs].filter((d) => d.ioctl?.macro && d.ioctl.name).map((d) => [d.ioctl!.name!, d.ioctl!]));
  for (const c of ioctls.values()) {
    const d = signatures.get(c.name);
    if (!c.ioctl || !d?.macro) continue;
    c.ioctl.documentedDirection = DIRECTIONS[d.macro];
    if (d.argument && !c.ioctl.argument) {
      const { record, scalar } = resolveArgument(d.argument);
      if (record) c.ioctl.argument = record;
      if (scalar) c.ioctl.scalarArgument = scalar;
      if (record || scalar) c.ioctl.argumentSource = "kerneldoc";
    }
  }
  for (const [name, o] of Object.entries(overrides.ioctls ?? {})) {
    const c = ioctls.get(name);
    const where = { file: overridesFile, line: 1, column: 1 };
    if (!c?.ioctl) {
      const plain = model.constants.some((x) => x.name === name);
      fail("override", plain ? `override names ioctl '${name}', which ${model.displayName} defines as a plain number: declare it a request with legacyRequest` : `override names ioctl '${name}', which ${model.displayName} does not define`, where);
    }
    // A legacy request that takes nothing (direction "none", as the legacy check requires).
    if (o.argument === undefined) {
      if (!c.ioctl.legacy) fail("override", `override for '${name}' names no argument`, where);
      c.ioctl.argumentSource = "override";
      continue;
    }
    const { record, scalar } = resolveArgument(o.argument);
    if (!record && !scalar) fail("override", `override for '${name}' names unknown type '${o.argument}'`, { file: overridesFile, line: 1, column: 1 });
    c.ioctl.argument = record;
    c.ioctl.scalarArgument = scalar;
    c.ioctl.argumentSource = "override";
    if (o.passing) c.ioctl.scalarPassing = o.passing;
  }
  // A request that encodes a size points at its argument; `_IO` ones need the override's word.
  for (const c of ioctls.values()) {
    const io = c.ioctl!;
    if (io.scalarArgument && !io.scalarPassing && io.direction !== "none") io.scalarPassing = "pointer";
  }

  model.userPointers = findUserPointers(model, lookup);
  model.capabilities = findCapabilities(model);
  for (const [key, o] of Object.entries(overrides.userPointers ?? {})) {
    const [tag, member] = key.split(".");
    const record = model.records.find((r) => r.tag === tag);
    if (!record?.members?.some((m) => m.name === member)) {
      fail("override", `override names '${key}', which ${model.displayName} does not define`, { file: overridesFile, line: 1, column: 1 });
    }
    model.userPointers = model.userPointers.filter((p) => !(p.record === record && p.member === member));
    model.userPointers.push({
      record,
      member: member!,
      pointee: o.pointee ? lookup.tag(o.pointee.replace(/^(struct|union)\s+/, "")) : undefined,
      countMember: o.count,
      elementSize: o.elementSize,
      entrySizeMember: o.entrySize,
      bytes: o.bytes,
      bitmap: o.bitmap,
      persistent: o.persistent,
      source: "override",
    });
  }
  for (const [tag, o] of Object.entries(overrides.trailing ?? {})) {
    const record = model.records.find((r) => r.tag === tag);
    if (!record) fail("override", `override names struct '${tag}', which ${model.displayName} does not define`, { file: overridesFile, line: 1, column: 1 });
    model.trailingPolicies.push({ record, unsafe: o.unsafe, safeWhen: o.safeWhen, count: o.count });
  }
}

const isDirection = (x: unknown): x is IoctlDirection => Object.values(DIRECTIONS).includes(x as IoctlDirection);

/**
 * The constants an override declares legacy requests, made requests: a plain number (tty's
 * 0x5413) is sent as is, and what the kernel reads or writes through it is the override's word.
 * Where the architecture encodes the constant with _IOC (TIOCGWINSZ is _IOR on powerpc), the
 * encoding is the fact and must agree with the declared direction.
 */
function declareLegacyRequests(model: HeaderModel, overrides: Overrides, overridesFile: string): ConstantDecl[] {
  const declared: ConstantDecl[] = [];
  for (const [name, o] of Object.entries(overrides.ioctls ?? {})) {
    if (o.legacyRequest === undefined) continue;
    const where = { file: overridesFile, line: 1, column: 1 };
    const c = model.constants.find((x) => x.name === name);
    if (!c) fail("override", `override declares '${name}' a legacy request, but ${model.displayName} does not define it`, where);
    const direction: unknown = o.legacyRequest?.direction;
    if (!isDirection(direction)) {
      fail("override", `override for '${name}': legacyRequest.direction is ${JSON.stringify(direction)}; it takes "none", "read", "write" or "readwrite"`, where);
    }
    if (c.ioctl) {
      if (c.ioctl.direction !== direction) fail("override", `override declares '${name}' a legacy ${direction} request, but ${model.displayName} encodes it with _IOC as ${c.ioctl.direction}`, where);
      continue;
    }
    const v = c.value.v;
    if (v < 0n || v > 0xffffffffn) fail("override", `override declares '${name}' a legacy request, but its value ${v} is not a request number (0 to 0xffffffff)`, where);
    // The runtime sizes what the kernel touches from the argument's type, never from the caller.
    if (direction !== "none" && o.argument === undefined) {
      fail("override", `override declares '${name}' a legacy ${direction} request without an argument: the runtime sizes what the kernel ${direction === "write" ? "reads" : "writes"} from the argument's type`, where);
    }
    // Legacy numbers keep _IO's layout of the low 16 bits: type ('T', 0x54) and number (0x13).
    c.ioctl = { name, request: v, direction, type: Number((v >> 8n) & 0xffn), nr: Number(v & 0xffn), size: 0, legacy: true };
    declared.push(c);
  }
  return declared;
}

function isAligned64(t: TypeRef, alignedAttr: number | undefined): boolean {
  let cur = t;
  while (cur.kind === "typedef") {
    if (cur.decl.name === "__u64" && alignedAttr === 8) return true;
    if (cur.decl.name === "__aligned_u64") return true;
    cur = cur.decl.type;
  }
  return false;
}

/** Members documented as user pointers: "Pointer to ...", "User pointer to ...", "...uptr". */
function findUserPointers(model: HeaderModel, lookup: { tag(name: string): RecordDecl | undefined }): UserPointer[] {
  const out: UserPointer[] = [];
  for (const r of model.records) {
    if (!r.doc || !r.members) continue;
    for (const m of r.members) {
      if (!m.name || !isAligned64(m.type, m.attrs.aligned)) continue;
      const param = r.doc.params.find((p) => p.name === m.name);
      const text = param ? proseOf(param.lines) : "";
      if (!/\bpointer\b/i.test(text) && !/_uptr$|_ptr$/.test(m.name)) continue;
      const pointeeName = /\b(?:struct|union)\s+(\w+)/.exec(text)?.[1];
      const pointee = pointeeName ? lookup.tag(pointeeName) : undefined;
      // The count member is the one whose doc names this member: "number of elements in @x".
      const counter = r.doc.params.find((p) => p.name !== m.name && new RegExp(`@${m.name}\\b`).test(proseOf(p.lines)) && /\b(number|length|size|entries|num)\b/i.test(proseOf(p.lines)));
      out.push({ record: r, member: m.name, pointee, countMember: counter?.name, source: "kerneldoc" });
    }
  }
  return out;
}

/** The first member's struct tag, through typedefs. */
function firstMemberTag(r: RecordDecl): string | undefined {
  let t = r.members?.[0]?.type;
  while (t?.kind === "typedef") t = t.decl.type;
  return t?.kind === "record" ? t.decl.tag : undefined;
}

/**
 * Capability chains: info structs with `argsz` and `cap_offset`, and the capability structs named
 * after their info struct and after an ID constant (see Capability in ir.ts).
 */
function findCapabilities(model: HeaderModel): Capability[] {
  const ids = new Map(model.constants.filter((c) => !c.ioctl).map((c) => [c.name, c.value.v]));
  const infos = model.records.filter((r) => r.tag && r.members?.[0]?.name === "argsz" && r.members.some((m) => m.name === "cap_offset"));
  const out: Capability[] = [];
  for (const record of model.records) {
    if (!record.tag || firstMemberTag(record) !== "vfio_info_cap_header") continue;
    const info = infos.find((i) => record.tag!.startsWith(`${i.tag}_`));
    const id = ids.get(record.tag.toUpperCase());
    if (info && id !== undefined) out.push({ info, id: Number(id), record });
  }
  return out;
}
