// The typed model of a header: what the parser produces and the layout engine, the linter and
// the emitter consume. Declarations keep their source location and their kerneldoc.
import type { SourceLocation } from "./diagnostics.js";
import type { CommentReading, KernelDoc } from "./kerneldoc.js";
import type { Value } from "./values.js";

/** C's builtin arithmetic types, normalised ("unsigned long long", "signed char", ...). */
export type BuiltinName =
  | "void" | "_Bool" | "char" | "signed char" | "unsigned char"
  | "short" | "unsigned short" | "int" | "unsigned int" | "long" | "unsigned long"
  | "long long" | "unsigned long long" | "__int128" | "unsigned __int128"
  | "float" | "double" | "long double";

export type TypeRef =
  | { kind: "builtin"; name: BuiltinName }
  | { kind: "typedef"; decl: TypedefDecl }
  | { kind: "record"; decl: RecordDecl }
  | { kind: "enum"; decl: EnumDecl }
  /** length null: a flexible array member (`T x[]`). loc: where its size is declared. */
  | { kind: "array"; element: TypeRef; length: number | null; loc?: SourceLocation }
  | { kind: "pointer"; target: TypeRef }
  | { kind: "function" };

export interface Attributes {
  /** __attribute__((aligned(N))) */
  aligned?: number;
  /** __attribute__((packed)) */
  packed?: boolean;
  /** `#pragma pack(N)` in effect where a record was defined: its members' maximum alignment. */
  pack?: number;
}

export interface Comment {
  text: string;
  loc: SourceLocation;
  /** How kernel-doc reads it, worked out once by parse/kerneldoc.ts `readComment`. */
  reading: CommentReading;
}

interface DeclBase {
  loc: SourceLocation;
  /** The comment right before the declaration, if any (kerneldoc or not). */
  comment?: Comment;
  doc?: KernelDoc;
}

export interface Member {
  /** Undefined for anonymous struct/union members and unnamed bitfields. */
  name?: string;
  type: TypeRef;
  /** The type as written when a macro spelled it (`__aligned_u64`). */
  writtenType?: string;
  bitWidth?: number;
  attrs: Attributes;
  loc: SourceLocation;
  /** Trailing or preceding plain comment, e.g. vfio.h's `/* Region size (bytes) *\/`. */
  comment?: Comment;
}

export interface RecordDecl extends DeclBase {
  kind: "struct" | "union";
  tag?: string;
  /** For an untagged record named by a typedef (`typedef struct { ... } Elf32_Dyn;`). */
  typedefName?: string;
  /** Undefined while incomplete (`struct x;` or only used through a pointer). */
  members?: Member[];
  attrs: Attributes;
}

export interface Enumerator {
  name: string;
  value: Value;
  loc: SourceLocation;
}

export interface EnumDecl extends DeclBase {
  kind: "enum";
  tag?: string;
  enumerators: Enumerator[];
  attrs: Attributes;
}

export interface TypedefDecl extends DeclBase {
  kind: "typedef";
  name: string;
  type: TypeRef;
  attrs: Attributes;
}

/** An integer object-like #define of the main header. */
export interface ConstantDecl extends DeclBase {
  kind: "constant";
  name: string;
  value: Value;
  /** Set when the definition expands through _IO/_IOR/_IOW/_IOWR. */
  ioctl?: IoctlDecl;
}

export type IoctlDirection = "none" | "write" | "read" | "readwrite";

export interface IoctlDecl {
  name: string;
  request: bigint;
  /** From the request encoding. */
  direction: IoctlDirection;
  type: number;
  nr: number;
  /** Size encoded in the request (0 for _IO, and for a legacy request). */
  size: number;
  /**
   * A legacy request: a plain number, not `_IOC`-encoded (tty's `TIOCGWINSZ` 0x5413), which the
   * override file declares a request; its direction and argument are the override's.
   */
  legacy?: boolean;
  /** The argument struct, from the macro or the kerneldoc. */
  argument?: RecordDecl;
  /** A scalar argument (`_IOW(VFIO_TYPE, n, __s32)`), from the kerneldoc. */
  scalarArgument?: TypeRef;
  /**
   * How the scalar reaches the kernel: by value, or through a pointer to it (to a string for
   * `char`). Requests with a size encoded point at it; `_IO` ones say so in an override, since
   * their docs write `_IOW(..., __s32)` for both. Unknown: only an Unsafe call is emitted.
   */
  scalarPassing?: "value" | "pointer" | "string";
  /** How the argument was associated, for review. */
  argumentSource?: "macro" | "kerneldoc" | "override";
  /** The data direction the documentation gives for the argument. */
  documentedDirection?: IoctlDirection;
}

/** A `/** DOC: title` block: module-level documentation. */
export interface DocSection extends DeclBase {
  kind: "doc";
  title: string;
}

/** A non-integer #define of the main header (include guard, string, function-like...). */
export interface OtherDefine {
  name: string;
  loc: SourceLocation;
  reason: string;
  /**
   * Meant as an integer (a request, a size, a number) but not evaluable here: reported, never
   * dropped silently. Empty and string macros are not.
   */
  unevaluated: boolean;
}

export interface UserPointer {
  record: RecordDecl;
  member: string;
  /** The pointee record, where known. */
  pointee?: RecordDecl;
  /** Byte buffer or element array. */
  elementSize?: number;
  /** The member holding the element count, where the doc says so. */
  countMember?: string;
  /** The member holding each element's size (`entry_len`). */
  entrySizeMember?: string;
  /** A fixed extent in bytes (a UUID). */
  bytes?: number;
  /** A dirty bitmap sized from a length and a page size member. */
  bitmap?: { length: string; pageSize: string };
  /** The kernel keeps using the memory after the call returns (a DMA mapping). */
  persistent?: boolean;
  source: "kerneldoc" | "override";
}

/**
 * A capability an info struct's chain can hold: vfio names each capability's struct after its ID
 * constant (`VFIO_REGION_INFO_CAP_SPARSE_MMAP` 1, `struct vfio_region_info_cap_sparse_mmap`),
 * the struct starts with `struct vfio_info_cap_header`, and its tag starts with the info struct's.
 */
export interface Capability {
  info: RecordDecl;
  id: number;
  record: RecordDecl;
}

/** What safe calls must know of a struct's trailing bytes: refused (they hold user pointers), or counted. */
export interface TrailingPolicy {
  record: RecordDecl;
  /** Always refused, for this reason. */
  unsafe?: string;
  /** Accepted only when (member & mask) is one of values (an allowlist). */
  safeWhen?: { member: string; mask: number; values: number[]; reason: string };
  /** The member counting the trailing elements, which the kernel trusts over argsz. */
  count?: string;
}

export interface HeaderModel {
  file: string;
  /** The header as given on the command line (used in output). */
  displayName: string;
  records: RecordDecl[];
  enums: EnumDecl[];
  typedefs: TypedefDecl[];
  constants: ConstantDecl[];
  otherDefines: OtherDefine[];
  docs: DocSection[];
  /** Every kerneldoc comment of the header, wherever it stands. */
  kerneldocs: KernelDoc[];
  /** Comments opened with plain `/*` whose first line is in kerneldoc form. */
  looseDocs: KernelDoc[];
  /** Every comment of the header, in order. */
  comments: Comment[];
  /** Every macro defined by the header or what it includes (for cross-references in docs). */
  macroNames: string[];
  /** Names the header writes only in preprocessor branches not taken for this ABI. */
  inactiveNames: Set<string>;
  /** The header's own #defines with the comment right before each (kerneldoc checks what it names). */
  macros: { name: string; loc: SourceLocation; comment?: Comment }[];
  userPointers: UserPointer[];
  trailingPolicies: TrailingPolicy[];
  /** vfio capability chains: the struct of each capability ID an info struct can return. */
  capabilities: Capability[];
  /** Every declaration of every file, for type resolution across includes. */
  all: { records: RecordDecl[]; enums: EnumDecl[]; typedefs: TypedefDecl[] };
}

export function isMain(model: { file: string }, d: { loc: SourceLocation }): boolean {
  return d.loc.file === model.file;
}

/**
 * A type as C writes it, for docs and messages (`struct x *`, `__u8[16]`). An anonymous record is
 * `struct <anonymous>`, or the typedef naming it when `typedefNames` asks for that.
 */
export function cSpelling(t: TypeRef, typedefNames = false): string {
  switch (t.kind) {
    case "builtin":
      return t.name;
    case "typedef":
      return t.decl.name;
    case "record":
      return `${t.decl.kind} ${t.decl.tag ?? (typedefNames ? t.decl.typedefName : undefined) ?? "<anonymous>"}`;
    case "enum":
      return `enum ${t.decl.tag ?? "<anonymous>"}`;
    case "array":
      return `${cSpelling(t.element, typedefNames)}[${t.length ?? ""}]`;
    case "pointer":
      return `${cSpelling(t.target, typedefNames)} *`;
    case "function":
      return "function";
  }
}
