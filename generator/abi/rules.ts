// What `uapigen abi` reports: each rule's class (breaking, compatible extension, needs review),
// what it finds and why that matters to programs built against the old header.
import type { SourceLocation } from "../ir/diagnostics.js";

export type AbiClass = "breaking" | "extension" | "review";

export interface AbiRule {
  class: AbiClass;
  /** PascalCase, as SARIF's reportingDescriptor.name wants it. */
  name: string;
  short: string;
}

export const ABI_RULES = {
  "header-removed": { class: "breaking", name: "HeaderRemoved", short: "A header programs include is gone." },
  "record-removed": { class: "breaking", name: "RecordRemoved", short: "A struct or union is gone." },
  "record-size": { class: "breaking", name: "RecordSize", short: "A struct or union without a size member changed size: arrays of it, structs embedding it and requests encoding its size move." },
  "record-shrunk": { class: "breaking", name: "RecordShrunk", short: "An extensible struct (one with a size member) shrank: old programs pass bytes the kernel no longer knows." },
  "record-align": { class: "review", name: "RecordAlign", short: "A struct or union changed alignment with no member added at its tail: structs embedding it may move (those in the compared headers are reported where they move)." },
  "member-removed": { class: "breaking", name: "MemberRemoved", short: "A member is gone." },
  "member-reordered": { class: "breaking", name: "MemberReordered", short: "Members changed order." },
  "member-offset": { class: "breaking", name: "MemberOffset", short: "A member moved (its byte or bit offset changed)." },
  "member-size": { class: "breaking", name: "MemberSize", short: "A member changed size (or bitfield width)." },
  "member-type": { class: "breaking", name: "MemberType", short: "A member changed type class (integer, pointer, struct, array...)." },
  "member-signedness": { class: "breaking", name: "MemberSignedness", short: "An integer member changed signedness." },
  "member-overlaps-old": { class: "breaking", name: "MemberOverlapsOld", short: "A new member lies over bytes an old member used." },
  "reserved-shrunk": { class: "breaking", name: "ReservedShrunk", short: "Reserved bytes became padding: the kernel cannot require padding to be zero, so those bytes can never be given a meaning." },
  "typedef-changed": { class: "breaking", name: "TypedefChanged", short: "A typedef changed size, alignment, class or signedness; records of other headers using it move with it." },
  "typedef-removed": { class: "breaking", name: "TypedefRemoved", short: "A typedef is gone." },
  "request-number": { class: "breaking", name: "RequestNumber", short: "A request number changed: binaries built against the old header send a number the kernel no longer takes." },
  "request-removed": { class: "breaking", name: "RequestRemoved", short: "A request (an _IO* constant) is gone." },
  "constant-value": { class: "breaking", name: "ConstantValue", short: "A constant changed value." },
  "constant-removed": { class: "breaking", name: "ConstantRemoved", short: "A constant is gone." },
  "enumerator-value": { class: "breaking", name: "EnumeratorValue", short: "An enumerator changed value." },
  "enumerator-removed": { class: "breaking", name: "EnumeratorRemoved", short: "An enumerator is gone." },
  "limit-grew": { class: "extension", name: "LimitGrew", short: "A count or maximum (`__X_MAX`, `X_CNT`), a minor version, or an all-flags mask (gaining bits, losing none) grew as the interface did: programs keep the value they were built with." },
  "moved-to-include": { class: "extension", name: "MovedToInclude", short: "A name the header defined now comes, with the same value, from a header it includes." },
  "header-added": { class: "extension", name: "HeaderAdded", short: "A new header." },
  "record-added": { class: "extension", name: "RecordAdded", short: "A new struct or union." },
  "typedef-added": { class: "extension", name: "TypedefAdded", short: "A new typedef." },
  "constant-added": { class: "extension", name: "ConstantAdded", short: "A new constant." },
  "enumerator-added": { class: "extension", name: "EnumeratorAdded", short: "A new enumerator." },
  "request-added": { class: "extension", name: "RequestAdded", short: "A new request." },
  "member-added-tail-unverified": { class: "review", name: "MemberAddedTailUnverified", short: "Members added at the tail of a struct with a member named like a size member (`size`, `hdr_len` near its start) whose docs do not say it carries the struct's size: compatible only if the kernel reads it as the caller's size." },
  "member-added-tail": { class: "extension", name: "MemberAddedTail", short: "Members added at the tail of an extensible struct: its size member tells the kernel what the caller knows, and the kernel requires an unknown tail to be zero." },
  "flexible-array-added": { class: "extension", name: "FlexibleArrayAdded", short: "A flexible array member added at the tail: the struct's size does not change." },
  "reserved-member-used": { class: "extension", name: "ReservedMemberUsed", short: "A reserved member documented as zero became real members at the same bytes: old programs pass zero there." },
  "union-member-added": { class: "extension", name: "UnionMemberAdded", short: "A new member of a union that does not change its size." },
  "reserved-member-undocumented": { class: "review", name: "ReservedMemberUndocumented", short: "A reserved member became a real one, but its docs do not say it must be zero: old programs may pass anything there." },
  "union-arm-grew": { class: "review", name: "UnionArmGrew", short: "A member of a union grew inside the union's size: the kernel now reads or writes bytes old programs may not have zeroed." },
  "member-in-padding": { class: "review", name: "MemberInPadding", short: "A new member in bytes that were padding: old programs may leave garbage there." },
  "member-renamed": { class: "review", name: "MemberRenamed", short: "A member has a new name at the same place, size and type: binaries are unaffected, sources using the old name break." },
  "moved-unverified": { class: "review", name: "MovedUnverified", short: "A constant now comes from a header the header includes, where uapigen does not evaluate it: check the value there." },
  "value-conditional": { class: "review", name: "ValueConditional", short: "A name is now defined only under a preprocessor condition (`__ASSEMBLER__`, a feature macro) a plain C program does not take." },
  "constant-type": { class: "review", name: "ConstantType", short: "A constant keeps its 64 bits but changes type (`-1` → `-1ull`): comparisons with narrower or signed values change." },
  "value-unevaluated": { class: "review", name: "ValueUnevaluated", short: "A constant uapigen cannot evaluate in one of the versions: its value cannot be compared." },
  "unbuildable": { class: "review", name: "Unbuildable", short: "A header uapigen cannot build in one of the versions: it is not compared on that row." },
} as const satisfies Record<string, AbiRule>;

export type AbiRuleId = keyof typeof ABI_RULES;

export const ABI_RULE_IDS = Object.keys(ABI_RULES) as AbiRuleId[];

export interface AbiFinding {
  class: AbiClass;
  rule: AbiRuleId;
  /** The header the change is in, as included (`linux/iommufd.h`, `asm/kvm.h`). */
  header: string;
  /** `struct iommu_ioas_map`, `IOMMU_IOAS_MAP`, `enum x`, `typedef t`; empty for a header. */
  decl: string;
  member?: string;
  old?: string;
  new?: string;
  /** The ABI rows it applies on, in the rows' order. */
  rows: string[];
  message: string;
  /** Where it is: in the new version, or the old one for what is gone. */
  loc: SourceLocation;
  /** Records of other headers whose layout the change moves (`struct x in linux/a.h`). */
  affects?: string[];
}

export const SEVERITY: Record<AbiClass, "error" | "warning" | "note"> = { breaking: "error", review: "warning", extension: "note" };
