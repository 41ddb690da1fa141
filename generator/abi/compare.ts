// Two versions of a header on one ABI row, compared: every difference userspace can see, each
// classified by a rule of rules.ts. A change that comes from another header (a typedef it
// includes, a struct it embeds) is reported on that header, naming the records it moves.
import type { SourceLocation } from "../ir/diagnostics.js";
import type { HeaderFacts, MemberFacts, RecordFacts, TypeShape, ValueFacts } from "./facts.js";
import { ABI_RULES, type AbiFinding, type AbiRuleId } from "./rules.js";

export interface CompareContext {
  /** The header's name as included (`linux/x.h`). */
  header: string;
  row: string;
  /** The include name of a file (`/.../usr/include/linux/types.h` → `linux/types.h`). */
  nameOf(file: string): string;
}

type Emit = (rule: AbiRuleId, f: Omit<AbiFinding, "class" | "rule" | "rows" | "header"> & { header?: string }) => void;

function emitter(ctx: CompareContext, out: AbiFinding[]): Emit {
  return (rule, f) => out.push({ class: ABI_RULES[rule].class, rule, rows: [ctx.row], ...f, header: f.header ?? ctx.header });
}

const where = (m: { bit: number; bits: number; bitfield: boolean; offset: number; size: number }) =>
  m.bitfield ? `bit ${m.bit}` : `offset ${m.offset}`;
const extent = (m: MemberFacts) => (m.bitfield ? `${m.bits} bits` : `${m.size} bytes`);
const signWord = (s: boolean | undefined) => (s ? "signed" : "unsigned");

/** What caused a member's change, when it is not the member's own declaration. */
interface Cause {
  header: string;
  decl: string;
  rule: AbiRuleId;
  message: string;
  loc: SourceLocation;
  old?: string;
  new?: string;
}

function causeOf(o: TypeShape, n: TypeShape, ctx: CompareContext, self: string): Cause | undefined {
  // The member's declaration itself changed its type.
  if (o.text !== n.text) return undefined;
  const old = new Map(o.chain.map((c) => [c.name, c]));
  for (const c of n.chain) {
    const was = old.get(c.name);
    if (!was || was.target === c.target) continue;
    if (c.loc.file === self) return undefined;
    return { header: ctx.nameOf(c.loc.file), decl: `typedef ${c.name}`, rule: "typedef-changed", message: `typedef ${c.name} changed: ${was.target} → ${c.target}`, loc: c.loc, old: was.target, new: c.target };
  }
  if (n.origin && n.origin.loc.file !== self && o.origin?.name === n.origin.name) {
    return { header: ctx.nameOf(n.origin.loc.file), decl: n.origin.name, rule: "record-size", message: `${n.origin.name} changed layout`, loc: n.origin.loc };
  }
  return undefined;
}

function compareRecord(o: RecordFacts, n: RecordFacts, self: string, ctx: CompareContext, emit: Emit): void {
  const decl = n.key;
  const affected = `${decl} in ${ctx.header}`;
  const causes: Cause[] = [];
  let own = false;
  // A breaking change of the record's own declaration: places and sizes that move are its doing.
  const ownEmit: Emit = (rule, f) => {
    if (ABI_RULES[rule].class === "breaking") own = true;
    emit(rule, f);
  };
  const moves: Parameters<Emit>[] = [];
  const oldReal = o.members.filter((m) => !m.reserved);
  const newByName = new Map(n.members.map((m) => [m.name, m]));
  const oldByName = new Map(o.members.map((m) => [m.name, m]));
  const added = n.members.filter((m) => !oldByName.has(m.name) || (m.reserved !== oldByName.get(m.name)!.reserved));
  const used = new Set<MemberFacts>();

  // Members gone: renamed in place, or removed.
  for (const m of oldReal) {
    if (newByName.has(m.name) && !newByName.get(m.name)!.reserved) continue;
    const twin = added.find((a) => !used.has(a) && a.bit === m.bit && a.bits === m.bits && a.type.cls === m.type.cls && a.type.signed === m.type.signed);
    if (twin) {
      used.add(twin);
      ownEmit("member-renamed", { decl, member: m.name, old: m.name, new: twin.name, message: `${decl}: member '${m.name}' renamed '${twin.name}' (${where(m)}, ${extent(m)})`, loc: twin.loc });
    } else {
      ownEmit("member-removed", { decl, member: m.name, old: `${where(m)}, ${extent(m)}`, message: `${decl}: member '${m.name}' removed (was at ${where(m)}, ${extent(m)})`, loc: n.loc });
    }
  }

  // Members in both: order, place, size, type.
  const both = oldReal.filter((m) => newByName.has(m.name) && !newByName.get(m.name)!.reserved);
  const inOrder = (ms: MemberFacts[], pos: (m: MemberFacts) => number) => ms.filter((m) => !m.inUnion).sort((a, b) => pos(a) - pos(b) || a.bits - b.bits).map((m) => m.name);
  const before = inOrder([...both], (m) => m.bit);
  const after = inOrder([...both], (m) => newByName.get(m.name)!.bit);
  if (before.join() !== after.join()) {
    const moved = before.filter((x, i) => after[i] !== x);
    ownEmit("member-reordered", { decl, old: moved.join(", "), new: after.filter((x) => moved.includes(x)).join(", "), message: `${decl}: members reordered: ${moved.join(", ")} → ${after.filter((x) => moved.includes(x)).join(", ")}`, loc: newByName.get(moved[0]!)!.loc });
  }
  for (const m of both) {
    const x = newByName.get(m.name)!;
    const changes: [AbiRuleId, string, string, string][] = [];
    if (m.bit !== x.bit) changes.push(["member-offset", where(m), where(x), `moved: ${where(m)} → ${where(x)}`]);
    if (m.bits !== x.bits) changes.push(["member-size", extent(m), extent(x), `size ${extent(m)} → ${extent(x)}`]);
    if (m.type.cls !== x.type.cls) changes.push(["member-type", m.type.cls, x.type.cls, `type ${m.type.text} (${m.type.cls}) → ${x.type.text} (${x.type.cls})`]);
    else if (m.type.signed !== undefined && x.type.signed !== undefined && m.type.signed !== x.type.signed) {
      changes.push(["member-signedness", signWord(m.type.signed), signWord(x.type.signed), `${signWord(m.type.signed)} → ${signWord(x.type.signed)} (${m.type.text} → ${x.type.text})`]);
    }
    if (!changes.length) continue;
    // A union's arm grew inside the union's old size: the bytes were the union's already.
    if (changes.every(([r]) => r === "member-size") && m.inUnion && x.inUnion && m.bit === x.bit && x.bits > m.bits && n.size === o.size) {
      ownEmit("union-arm-grew", { decl, member: m.name, old: extent(m), new: extent(x), message: `${decl}: union member '${m.name}' grew ${extent(m)} → ${extent(x)} inside the union's size; the kernel now uses bytes old programs may not have zeroed`, loc: x.loc });
      continue;
    }
    if (changes.every(([r]) => r === "member-offset")) {
      const [rule, ov, nv, what] = changes[0]!;
      moves.push([rule, { decl, member: m.name, old: ov, new: nv, message: `${decl}: member '${m.name}' ${what}`, loc: x.loc }]);
      continue;
    }
    // A change only in the place of the member is the members' before it; one in its own
    // size, class or sign is its type's, which may be another header's.
    const cause = causeOf(m.type, x.type, ctx, self);
    if (cause) {
      causes.push(cause);
      continue;
    }
    for (const [rule, ov, nv, what] of changes) {
      ownEmit(rule, { decl, member: m.name, old: ov, new: nv, message: `${decl}: member '${m.name}' ${what}`, loc: x.loc });
    }
  }

  // Members new: in reserved bytes, at the tail, in a union, in padding.
  const oldBits = o.size * 8;
  const overlaps = (a: MemberFacts, b: MemberFacts) => a.bit < b.bit + b.bits && b.bit < a.bit + a.bits;
  const tail: string[] = [];
  const addedNames = new Set(added.map((a) => a.name));
  for (const a of added) {
    if (used.has(a) || a.reserved) continue;
    // `tdx.flags` of a new `tdx`: reported with it.
    if (a.name.split(".").slice(0, -1).some((_, i, parts) => addedNames.has(parts.slice(0, i + 1).join(".")))) continue;
    const reservedHome = o.members.find((r) => r.reserved && a.bit >= r.bit && a.bit + a.bits <= r.bit + r.bits);
    // A union's padding arm (kvm_run's `char padding[256]`) only sizes the union: a new arm
    // beside it is a new union member.
    if (reservedHome?.inUnion && a.inUnion && newByName.get(reservedHome.name)?.bit === reservedHome.bit && newByName.get(reservedHome.name)?.bits === reservedHome.bits) {
      ownEmit("union-member-added", { decl, member: a.name, message: `${decl}: member '${a.name}' added to a union, beside its padding member '${reservedHome.name}'`, loc: a.loc });
      continue;
    }
    if (reservedHome) {
      const zero = reservedHome.mustBeZero;
      ownEmit(zero ? "reserved-member-used" : "reserved-member-undocumented", {
        decl,
        member: a.name,
        old: reservedHome.name,
        new: a.name,
        message: `${decl}: member '${a.name}' (${where(a)}, ${extent(a)}) takes bytes of reserved '${reservedHome.name}'${zero ? ", documented as zero" : `, whose docs do not say it must be zero`}`,
        loc: a.loc,
      });
      continue;
    }
    if (a.flexible && a.bit >= (o.members.length ? Math.max(...o.members.map((m) => m.bit + m.bits)) : 0)) {
      ownEmit("flexible-array-added", { decl, member: a.name, new: a.type.text, message: `${decl}: flexible array '${a.name}' added at the tail`, loc: a.loc });
      continue;
    }
    if (a.bit >= oldBits) {
      tail.push(a.name);
      continue;
    }
    const under = o.members.filter((m) => overlaps(m, a));
    // A new name for bytes an old member keeps (a union around it): an alias.
    const kept = (m: MemberFacts) => newByName.get(m.name)?.bit === m.bit && newByName.get(m.name)?.bits === m.bits;
    if (under.length && !(a.inUnion && under.every(kept))) continue; // an old member moved or was removed: reported there
    if (a.inUnion && (under.length || n.size === o.size)) {
      ownEmit("union-member-added", { decl, member: a.name, message: `${decl}: member '${a.name}' added to a union, over bytes the other members keep`, loc: a.loc });
      continue;
    }
    ownEmit("member-in-padding", { decl, member: a.name, message: `${decl}: member '${a.name}' added in old padding (${where(a)}, ${extent(a)}); old programs may leave garbage there`, loc: a.loc });
  }

  // Reserved bytes no member covers any more (within the new size): padding the kernel cannot
  // require to be zero, so they can never be given a meaning.
  for (const r of o.members.filter((m) => m.reserved)) {
    const end = Math.min(r.bit + r.bits, n.size * 8);
    let covered = r.bit;
    for (const m of [...n.members].sort((a, b) => a.bit - b.bit)) if (m.bit <= covered && m.bit + m.bits > covered) covered = m.bit + m.bits;
    if (covered < end) {
      ownEmit("reserved-shrunk", { decl, member: r.name, old: extent(r), message: `${decl}: reserved '${r.name}' (${where(r)}, ${extent(r)}) shrank: ${(end - covered) / 8} byte(s) from ${covered % 8 ? `bit ${covered}` : `offset ${covered / 8}`} are padding now`, loc: newByName.get(r.name)?.loc ?? n.loc });
    }
  }
  // Members moved only by another header's change are that change's finding.
  const byOthers = !own && causes.length > 0;
  if (!byOthers) for (const [rule, f] of moves) ownEmit(rule, f);
  // The record's size and alignment.
  const extensible = o.sizeMember !== undefined && o.sizeMember === n.sizeMember && o.kind === "struct";
  if (n.size > o.size && extensible && !o.sizeMemberDocumented) {
    // A `size` member found by its name alone may be any size (kvm_coalesced_mmio_zone's is a
    // region's): growing the struct is compatible only if the kernel reads it as the caller's.
    if (tail.length) ownEmit("member-added-tail-unverified", { decl, member: tail.join(", "), old: `${o.size}`, new: `${n.size}`, message: `${decl}: ${tail.map((t) => `'${t}'`).join(", ")} added at the tail (size ${o.size} → ${n.size}); '${n.sizeMember}' may carry the struct's size, but its docs do not say so`, loc: newByName.get(tail[0]!)!.loc });
  } else if (n.size > o.size && extensible) {
    if (tail.length) ownEmit("member-added-tail", { decl, member: tail.join(", "), old: `${o.size}`, new: `${n.size}`, message: `${decl}: ${tail.map((t) => `'${t}'`).join(", ")} added at the tail (size ${o.size} → ${n.size}; '${n.sizeMember}' carries the size)`, loc: newByName.get(tail[0]!)!.loc });
  } else if (n.size < o.size && extensible) {
    ownEmit("record-shrunk", { decl, old: `${o.size}`, new: `${n.size}`, message: `${decl}: size ${o.size} → ${n.size} (an extensible struct may only grow)`, loc: n.loc });
  } else if (n.size !== o.size) {
    // Moved only by another header's change: that header's finding names this record.
    if (!byOthers || tail.length) {
      const why = tail.length ? `; ${tail.map((t) => `'${t}'`).join(", ")} added at the tail and the struct has no size member` : "";
      ownEmit("record-size", { decl, old: `${o.size}`, new: `${n.size}`, message: `${decl}: size ${o.size} → ${n.size}${why}`, loc: n.loc });
    }
  }
  // Alignment matters where the record is embedded (those records' members move, and are
  // reported); one that members added at the tail explain is theirs.
  const grew = tail.length > 0 || added.some((a) => a.flexible);
  if (n.align !== o.align && !byOthers && !grew) {
    ownEmit("record-align", { decl, old: `${o.align}`, new: `${n.align}`, message: `${decl}: alignment ${o.align} → ${n.align}; records embedding it may move`, loc: n.loc });
  }
  const seen = new Set<string>();
  for (const c of causes) {
    if (seen.has(c.message)) continue;
    seen.add(c.message);
    emit(c.rule, { header: c.header, decl: c.decl, old: c.old, new: c.new, message: c.message, loc: c.loc, affects: [affected] });
  }
}

/** A count, maximum or minor version grew; an all-flags mask gained bits and lost none. */
function grewAsLimit(name: string, o: bigint, n: bigint): boolean {
  // Not any `__X` (a syscall's `__NR_x` is a fixed number) nor a bare VERSION (a major version).
  const word = /_(MAX|CNT|COUNT|NUM|NBITS|LAST|END)$|^MAX_|_MAX_|^NUM_|_NUM_|(^|_)(MINOR_VERSION|VERSION_MINOR)$|^NR_|(?<!^_)_NR_/;
  if (word.test(name) && n > o) return true;
  const mask = /_(MASK|SUPPORTED|SUPP|ALL|ALL_BITS|ALL_LOCKS|FLAGS_ALL|VALID)$|__SUPPORTED$|_ALL_|(FEATURES|MODES|IOCTLS|FLAGS)(_[A-Z]+)?$/;
  return mask.test(name) && o >= 0n && n >= 0n && (o & n) === o;
}

function valueRule(v: ValueFacts, what: "removed" | "added" | "value"): AbiRuleId {
  const base = v.kind === "request" ? "request" : v.kind;
  if (what === "value") return v.kind === "request" ? "request-number" : (`${base}-value` as AbiRuleId);
  return `${base}-${what}` as AbiRuleId;
}

const hex = (v: string) => `0x${BigInt(v).toString(16)}`;

function compareValues(o: HeaderFacts, n: HeaderFacts, ctx: CompareContext, emit: Emit): void {
  const newBy = new Map(n.values.map((v) => [v.name, v]));
  const oldBy = new Map(o.values.map((v) => [v.name, v]));
  for (const v of o.values) {
    const x = newBy.get(v.name);
    const decl = v.kind === "enumerator" ? v.enumKey! : v.name;
    if (!x) {
      const why = n.unevaluated[v.name];
      const member = v.kind === "enumerator" ? v.name : undefined;
      const elsewhere = Object.hasOwn(n.visible, v.name) ? n.visible[v.name] : undefined;
      if (why === undefined && elsewhere !== undefined) {
        // Still defined for programs including the header: by a header it includes.
        if (elsewhere === v.value) emit("moved-to-include", { decl, member, old: v.value, new: elsewhere, message: `${v.name} (${v.value}) now comes from a header ${ctx.header} includes, with the same value`, loc: v.loc });
        else if (elsewhere === null) emit("moved-unverified", { decl, member, old: v.value, message: `${v.name} (${v.value}) is now a macro of a header ${ctx.header} includes; its value there is not evaluated here`, loc: v.loc });
        else if (grewAsLimit(v.name, BigInt(v.value), BigInt(elsewhere))) emit("limit-grew", { decl, member, old: v.value, new: elsewhere, message: `${v.name} ${v.value} → ${elsewhere} (now from a header ${ctx.header} includes; a count, maximum, all-flags mask or version that grows as the interface does)`, loc: v.loc });
        else emit(valueRule(v, "value"), { decl, member, old: v.value, new: elsewhere, message: `${v.name} ${v.value} → ${elsewhere} (now from a header ${ctx.header} includes)`, loc: v.loc });
        continue;
      }
      if (why === undefined && n.inactive.includes(v.name)) {
        emit("value-conditional", { decl, member, old: v.value, message: `${v.name} (${v.value}) is now defined only under a preprocessor condition not taken here; programs not asking for it lose it`, loc: v.loc });
        continue;
      }
      if (why !== undefined) emit("value-unevaluated", { decl, member: v.kind === "enumerator" ? v.name : undefined, old: v.value, message: `${v.name} was ${v.value}; the new version defines it as something uapigen cannot evaluate (${why})`, loc: v.loc });
      else emit(valueRule(v, "removed"), { decl, member: v.kind === "enumerator" ? v.name : undefined, old: v.value, message: `${v.kind === "enumerator" ? `${decl}: enumerator ` : ""}${v.name} (${v.kind === "request" ? hex(v.value) : v.value}) removed`, loc: v.loc });
      continue;
    }
    if (x.value === v.value) continue;
    if (v.kind !== "request" && x.kind !== "request" && grewAsLimit(v.name, BigInt(v.value), BigInt(x.value))) {
      emit("limit-grew", { decl, member: v.kind === "enumerator" ? v.name : undefined, old: v.value, new: x.value, message: `${v.kind === "enumerator" ? `${decl}: enumerator ` : ""}${v.name} ${v.value} → ${x.value} (a count, maximum, all-flags mask or version that grows as the interface does)`, loc: x.loc });
      continue;
    }
    const bits = (t: string) => BigInt.asUintN(64, BigInt(t));
    if (bits(x.value) === bits(v.value)) {
      emit("constant-type", { decl, member: v.kind === "enumerator" ? v.name : undefined, old: v.value, new: x.value, message: `${v.name} ${v.value} → ${x.value}: the same 64 bits, another type (comparisons with narrower or signed values change)`, loc: x.loc });
      continue;
    }
    if (v.kind === "request" || x.kind === "request") {
      const arg = (r?: ValueFacts["request"]) => (r ? `size ${r.size}${r.argument ? `, ${r.argument}` : ""}` : "not a request");
      emit("request-number", { decl: x.name, old: hex(v.value), new: hex(x.value), message: `${x.name}: request ${hex(v.value)} → ${hex(x.value)} (${arg(v.request)} → ${arg(x.request)})`, loc: x.loc });
    } else {
      emit(valueRule(v, "value"), { decl, member: v.kind === "enumerator" ? v.name : undefined, old: v.value, new: x.value, message: `${v.kind === "enumerator" ? `${decl}: enumerator ` : ""}${v.name} ${v.value} → ${x.value}`, loc: x.loc });
    }
  }
  for (const x of n.values) {
    if (oldBy.has(x.name)) continue;
    const decl = x.kind === "enumerator" ? x.enumKey! : x.name;
    emit(valueRule(x, "added"), { decl, member: x.kind === "enumerator" ? x.name : undefined, new: x.value, message: `${x.kind === "enumerator" ? `${decl}: enumerator ` : ""}${x.name} (${x.kind === "request" ? hex(x.value) : x.value}) added`, loc: x.loc });
  }
}

/** The differences between two versions of one header on one row. */
export function compareHeader(o: HeaderFacts, n: HeaderFacts, ctx: CompareContext): AbiFinding[] {
  const out: AbiFinding[] = [];
  const emit = emitter(ctx, out);
  const newRecords = new Map(n.records.map((r) => [r.key, r]));
  const oldRecords = new Map(o.records.map((r) => [r.key, r]));
  for (const r of o.records) {
    const x = newRecords.get(r.key);
    if (!x) emit("record-removed", { decl: r.key, message: `${r.key} removed`, loc: r.loc });
    else compareRecord(r, x, n.file, ctx, emit);
  }
  for (const r of n.records) if (!oldRecords.has(r.key)) emit("record-added", { decl: r.key, new: `${r.size}`, message: `${r.key} added (size ${r.size})`, loc: r.loc });

  const newTypedefs = new Map(n.typedefs.map((t) => [t.name, t]));
  const oldTypedefs = new Set(o.typedefs.map((t) => t.name));
  for (const t of o.typedefs) {
    const x = newTypedefs.get(t.name);
    const decl = `typedef ${t.name}`;
    if (!x) {
      emit("typedef-removed", { decl, message: `${decl} removed`, loc: t.loc });
      continue;
    }
    const diffs: string[] = [];
    if (t.size !== x.size) diffs.push(`size ${t.size} → ${x.size}`);
    if (t.align !== x.align) diffs.push(`alignment ${t.align} → ${x.align}`);
    if (t.type.cls !== x.type.cls) diffs.push(`${t.type.cls} → ${x.type.cls}`);
    else if (t.type.signed !== undefined && x.type.signed !== undefined && t.type.signed !== x.type.signed) diffs.push(`${signWord(t.type.signed)} → ${signWord(x.type.signed)}`);
    if (diffs.length) emit("typedef-changed", { decl, old: t.type.text, new: x.type.text, message: `${decl} changed: ${t.type.text} → ${x.type.text} (${diffs.join(", ")})`, loc: x.loc });
  }
  for (const t of n.typedefs) if (!oldTypedefs.has(t.name)) emit("typedef-added", { decl: `typedef ${t.name}`, message: `typedef ${t.name} added`, loc: t.loc });

  compareValues(o, n, ctx, emit);
  return out;
}

/**
 * Findings of many rows as one each: the same change on several rows lists them all. A change
 * blamed on another header merges with that header's own finding of the same declaration.
 */
export function mergeRows(findings: AbiFinding[], rowOrder: string[]): AbiFinding[] {
  const rank = new Map(rowOrder.map((r, i) => [r, i]));
  const byKey = new Map<string, AbiFinding>();
  const add = (key: string, f: AbiFinding) => {
    const had = byKey.get(key);
    if (!had) {
      byKey.set(key, { ...f, rows: [...f.rows], affects: f.affects ? [...f.affects] : undefined });
      return;
    }
    for (const r of f.rows) if (!had.rows.includes(r)) had.rows.push(r);
    if (f.affects) had.affects = [...new Set([...(had.affects ?? []), ...f.affects])];
  };
  for (const f of findings) if (!f.affects) add(`${f.rule}\0${f.header}\0${f.decl}\0${f.member ?? ""}\0${f.message}`, f);
  const owners = new Map<string, AbiFinding[]>();
  for (const f of byKey.values()) {
    const k = `${f.rule}\0${f.header}\0${f.decl}`;
    owners.set(k, [...(owners.get(k) ?? []), f]);
  }
  for (const f of findings) {
    if (!f.affects) continue;
    // Each row to the header's own finding of that row, if it has one.
    const left: string[] = [];
    for (const r of f.rows) {
      const owner = owners.get(`${f.rule}\0${f.header}\0${f.decl}`)?.find((o) => o.rows.includes(r));
      if (owner) owner.affects = [...new Set([...(owner.affects ?? []), ...f.affects])];
      else left.push(r);
    }
    if (left.length) add(`${f.rule}\0${f.header}\0${f.decl}\0\0${f.message}`, { ...f, rows: left });
  }
  const out = [...byKey.values()];
  for (const f of out) {
    f.rows.sort((a, b) => (rank.get(a) ?? 99) - (rank.get(b) ?? 99));
    f.affects?.sort();
  }
  const order = { breaking: 0, review: 1, extension: 2 };
  return out.sort((a, b) => order[a.class] - order[b.class] || a.header.localeCompare(b.header) || a.loc.line - b.loc.line || a.loc.column - b.loc.column || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
}
