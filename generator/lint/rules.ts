// The kerneldoc rules. Each reads the model of the headers being linted together, so a name
// defined in any of them is a cross-reference, not a defect. Precision first: prose is only
// taken to name a member when it says so (`@x`, `x[]`) or the word is plainly one (snake_case,
// defined nowhere, and close to a real member).
import { distance } from "fastest-levenshtein";
import type { SourceLocation } from "../ir/diagnostics.js";
import type { Comment, EnumDecl, HeaderModel, RecordDecl } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import type { DocBlock, DocLine, KernelDoc } from "../ir/kerneldoc.js";
import { bodyDocs } from "./body-docs.js";
import { claimsNamespace, namespacesOf, type Namespaces } from "./namespaces.js";
import { checkTitles } from "./titles.js";
import type { Finding, RuleId } from "./findings.js";

export interface LintUnit {
  model: HeaderModel;
  layout: LayoutEngine;
}

/** Every name the linted headers define: what prose may refer to without being wrong. */
export interface Names {
  /** struct/union/enum tags and their kind. */
  tags: Map<string, string>;
  members: Set<string>;
  constants: Set<string>;
  /** Typedefs, functions and macros of any kind. */
  other: Set<string>;
  /**
   * Each header's constant namespaces: an unknown name in one of its own header's is a broken
   * reference (per header, so linting many headers does not widen them).
   */
  namespaces: Map<string, Namespaces>;
  /** Names each header writes only under branches not taken (`#ifdef __KERNEL__`): they exist. */
  inactive: Map<string, Set<string>>;
  /** Names defined elsewhere in the installed uAPI tree or libc: references, not defects. */
  world: (name: string) => boolean;
}

export function collectNames(units: LintUnit[], world: (name: string) => boolean = () => false): Names {
  const names: Names = { tags: new Map(), members: new Set(), constants: new Set(), other: new Set(), namespaces: new Map(), inactive: new Map(), world };
  for (const { model, layout } of units) {
    for (const r of model.all.records) {
      if (r.tag) names.tags.set(r.tag, r.kind);
      if (r.typedefName) names.other.add(r.typedefName);
    }
    for (const e of model.all.enums) {
      if (e.tag) names.tags.set(e.tag, "enum");
      for (const x of e.enumerators) names.constants.add(x.name);
    }
    for (const t of model.all.typedefs) names.other.add(t.name);
    for (const r of model.records) if (r.members) for (const f of layout.flatten(r)) names.members.add(f.name);
    for (const c of model.constants) names.constants.add(c.name);
    for (const m of model.macroNames) names.other.add(m);
    names.namespaces.set(model.file, namespacesOf([...model.constants.map((c) => c.name), ...model.enums.flatMap((e) => e.enumerators.map((x) => x.name))]));
    names.inactive.set(model.file, model.inactiveNames);
  }
  return names;
}

const lineAt = (l: DocLine, index: number): SourceLocation => ({ ...l.loc, column: l.loc.column + index });

/** Prose lines of a doc: summary, text blocks, sections and member descriptions (no literal blocks). */
function proseLines(doc: KernelDoc): DocLine[] {
  const text = (blocks: DocBlock[]) => blocks.filter((b) => b.kind === "text").flatMap((b) => b.lines);
  return [...doc.summary, ...doc.params.flatMap((p) => p.lines), ...text(doc.description), ...doc.sections.flatMap((s) => text(s.blocks))];
}

/** `vfio_dma_map` in `vfio_iommu_type1_dma_map`: every word of the name, in order. */
function containsWords(candidate: string, name: string): boolean {
  const words = candidate.split("_");
  let i = 0;
  for (const w of name.split("_")) {
    while (i < words.length && words[i] !== w) i++;
    if (i++ >= words.length) return false;
  }
  return true;
}

/** The best replacement for an unknown struct/union/enum name, among tags of the same kind. */
function suggestTag(name: string, kind: string, tags: Map<string, string>, home: { tag: string; kind: string } | undefined): string | undefined {
  const isRecord = (k: string) => k === "struct" || k === "union";
  const sameKind = [...tags].filter(([, k]) => k === kind || (isRecord(k) && isRecord(kind))).map(([t]) => t);
  // A doc above a struct that names a similar struct which does not exist means the one below.
  const similar = (t: string) => containsWords(t, name) || t.split("_").slice(0, 2).join("_") === name.split("_").slice(0, 2).join("_") || distance(t, name) <= Math.max(2, name.length / 4);
  if (home && (home.kind === kind || (isRecord(home.kind) && isRecord(kind))) && name.includes("_") && similar(home.tag)) return home.tag;
  const containing = sameKind.filter((t) => containsWords(t, name));
  if (containing.length) return nearest(name, containing, Infinity);
  return nearest(name, sameKind, Math.max(2, name.length / 4));
}

/**
 * The member a stale name most likely meant: one ending in the same word (`out_valid_iovas` ->
 * `allowed_iovas`), and for `x[]` one that holds an array; else the nearest by edit distance.
 */
function suggestMember(name: string, members: Map<string, boolean>, asArray: boolean): string | undefined {
  const last = name.split("_").pop()!;
  let pool = [...members.keys()].filter((m) => m.split("_").pop() === last);
  if (asArray && pool.some((m) => members.get(m))) pool = pool.filter((m) => members.get(m));
  if (pool.length) return nearest(name, pool, Infinity);
  return nearest(name, members.keys(), Math.max(2, name.length / 3));
}

/** Words put in front of a member's name when it is renamed or described: `out_num_iovas`. */
const RENAME_MARKERS = ["out", "in", "old", "new", "orig", "user", "cur", "prev", "next", "max", "min", "valid"];

/** Words that follow "struct", "union" or "enum" in English prose. */
const ENGLISH = new Set(
  ("a an the this that these those it its is are was were be been has have had do does can could will would should may must " +
    "of or and with without in on at to for from by as if when which who whose what where while into onto over under than then " +
    "not no all any each every some such other another one two both either neither same only also so but " +
    "value values field fields member members type types name names size layout instead here there above below itself").split(" "),
);

/** `@` words that are markup, not member names (Doxygen tags, C keywords). */
const DOC_WORDS = new Set(["param", "return", "returns", "retval", "see", "note", "brief", "struct", "union", "enum", "typedef", "p", "a", "c"]);

function nearest(name: string, candidates: Iterable<string>, limit: number): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: most candidates are ruled out unmeasured.
    if (Math.abs(c.length - name.length) > Math.min(bestScore, limit)) continue;
    const d = distance(name, c);
    if (d < bestScore || (d === bestScore && best !== undefined && c < best)) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= limit ? best : undefined;
}

class Linter {
  readonly findings: Finding[] = [];

  constructor(private readonly names: Names) {}

  /** kernel-doc reads the raw source: a member or enumerator under `#ifdef __KERNEL__` exists for it. */
  private underOtherBranch(file: string, name: string): boolean {
    return this.names.inactive.get(file)?.has(name) === true;
  }

  private report(rule: RuleId, loc: SourceLocation, name: string, symbol: string, message: string, suggestion?: string, length = name.length): void {
    this.findings.push({ loc, length, severity: "warning", rule, symbol, name, message: suggestion ? `${message}; did you mean '${suggestion}'?` : message, suggestion });
  }

  record(r: RecordDecl, layout: LayoutEngine, comments: Comment[]): void {
    const base = r.doc;
    if (!base || !r.comment?.text.startsWith("/**")) return;
    const own = r.tag ?? r.typedefName ?? "";
    const symbol = r.tag ? `${r.kind} ${r.tag}` : own;
    if ((base.kind === "struct" || base.kind === "union") && (base.name !== own || base.kind !== r.kind)) {
      // kernel-doc stops here too: the descriptions belong to the declaration the title names.
      this.report("kerneldoc-name-mismatch", base.nameLoc, base.name, symbol, `kerneldoc comment describes '${base.kind} ${base.name}' but is above '${symbol}'`, own);
      return;
    }
    if (base.kind === "function" && r.tag && !base.ioctl) {
      // kernel-doc reads a bare title as a function's and cannot parse the struct after it.
      const differs = base.name === own ? "" : ` and is not the '${symbol}' that follows`;
      this.report("kerneldoc-name-mismatch", base.nameLoc, base.name, symbol, `kerneldoc title '${base.name}' has no '${r.kind}' keyword${differs}, so kernel-doc reads it as a function`, `${r.kind} ${own}`);
      return;
    }
    const flat = layout.flatten(r);
    const body = bodyDocs(comments, r.loc.file, r.loc.line, Math.max(r.loc.line, ...flat.map((f) => f.member.loc.line)));
    const doc: KernelDoc = body.params.length ? { ...base, params: [...base.params, ...body.params] } : base;
    // kernel-doc skips a comment whose title shares the `/**` line: nothing is required of it.
    const read = !r.comment.reading.titleOnOpeningLine;
    const arrays = new Map(flat.map((f) => {
      const text = doc.params.find((p) => p.name === f.name)?.lines.map((l) => l.text).join(" ") ?? "";
      let t = f.member.type;
      while (t.kind === "typedef") t = t.decl.type;
      return [f.name, t.kind === "array" || /\b(pointer|array)\b/i.test(text)] as [string, boolean];
    }));
    const describesMembers = doc.kind === r.kind || (doc.kind === "function" && doc.params.length > 0);
    if (!describesMembers) {
      // An ioctl doc above its argument struct: a struct name it gets wrong means this one.
      this.prose(doc, symbol, arrays, doc.kind === "function" ? { tag: own, kind: r.kind } : undefined, true);
      return;
    }
    // __struct_group's named twin and __DECLARE_FLEX_ARRAY's empty marker are not documented.
    const members = flat.filter((f) => f.member.writtenType !== "__struct_group" && !(f.name.startsWith("__empty_") && f.size === 0) && !body.isPrivate(f.member.loc.line));
    const memberNames = new Set(members.map((f) => f.name));
    const described = new Set(doc.params.map((p) => p.name));
    if (doc.kind === r.kind && read) {
      for (const f of members) {
        if (!described.has(f.name)) this.report("undocumented-member", f.member.loc, f.name, symbol, `${r.kind} member '${f.name}' not described in '${own}'`);
      }
    }
    for (const p of doc.params) {
      const [head, ...rest] = p.name.split(".");
      const m = flat.find((f) => f.name === head);
      let ok = m !== undefined;
      if (m && rest.length) {
        let t = m.member.type;
        while (t.kind === "typedef" || t.kind === "array") t = t.kind === "typedef" ? t.decl.type : t.element;
        ok = t.kind === "record" && layout.flatten(t.decl).some((f) => f.name === rest[0]);
      }
      if (!ok && !this.underOtherBranch(r.loc.file, head!)) this.report("excess-member-doc", p.loc, p.name, symbol, `excess ${r.kind} member '${p.name}' description in '${own}'`, nearest(p.name, memberNames, Math.max(3, p.name.length / 3)));
    }
    this.prose(doc, symbol, arrays, doc.kind === "function" ? { tag: own, kind: r.kind } : undefined, true);
  }

  enumeration(e: EnumDecl, comments: Comment[]): void {
    const base = e.doc;
    if (!base || !e.comment?.text.startsWith("/**")) return;
    const body = bodyDocs(comments, e.loc.file, e.loc.line, Math.max(e.loc.line, ...e.enumerators.map((x) => x.loc.line)));
    const doc: KernelDoc = body.params.length ? { ...base, params: [...base.params, ...body.params] } : base;
    const read = !e.comment.reading.titleOnOpeningLine;
    const symbol = `enum ${e.tag ?? "<anonymous>"}`;
    if (doc.kind === "enum" && e.tag && doc.name !== e.tag) {
      this.report("kerneldoc-name-mismatch", doc.nameLoc, doc.name, symbol, `kerneldoc comment describes 'enum ${doc.name}' but is above '${symbol}'`, e.tag);
      return;
    }
    if (doc.kind === "function" && doc.name === e.tag && !doc.ioctl) {
      this.report("kerneldoc-name-mismatch", doc.nameLoc, doc.name, symbol, `kerneldoc title '${e.tag}' has no 'enum' keyword, so kernel-doc reads it as a function`, `enum ${e.tag}`);
      return;
    }
    if (doc.kind !== "enum") return;
    const names = new Set(e.enumerators.map((x) => x.name));
    const described = new Set(doc.params.map((p) => p.name));
    for (const x of e.enumerators) if (read && !described.has(x.name) && !body.isPrivate(x.loc.line)) this.report("undocumented-member", x.loc, x.name, symbol, `enum value '${x.name}' not described in enum '${e.tag ?? ""}'`);
    for (const p of doc.params) if (!names.has(p.name) && !this.underOtherBranch(e.loc.file, p.name)) this.report("excess-member-doc", p.loc, p.name, symbol, `excess enum value '${p.name}' description in '${e.tag ?? ""}'`, nearest(p.name, names, Math.max(3, p.name.length / 3)));
    this.prose(doc, symbol, new Map([...names].map((x) => [x, false])));
  }

  /** A doc without a declaration of its own (ioctl docs above a #define, DOC: blocks). */
  freeDoc(doc: KernelDoc, symbol: string): void {
    this.prose(doc, symbol, new Map());
  }

  /** Docs whose prose was checked, by the location of their title. */
  readonly checked = new Set<string>();

  /** Names in the prose: stale member references and unknown struct/constant names. */
  private prose(doc: KernelDoc, symbol: string, members: Map<string, boolean>, home?: { tag: string; kind: string }, strictAt = false): void {
    const key = `${doc.nameLoc.file}:${doc.nameLoc.line}:${doc.nameLoc.column}`;
    if (this.checked.has(key)) return;
    this.checked.add(key);
    const n = this.names;
    const inactive = n.inactive.get(doc.nameLoc.file);
    const known = (name: string) => members.has(name) || n.members.has(name) || n.tags.has(name) || n.constants.has(name) || n.other.has(name) || inactive?.has(name) === true;
    if (doc.ioctl?.name && !known(doc.ioctl.name) && doc.kind !== "function") {
      const line = doc.summary.find((l) => l.text.includes(doc.ioctl!.name!))!;
      this.report("unknown-reference", lineAt(line, line.text.indexOf(doc.ioctl.name)), doc.ioctl.name, symbol, `ioctl '${doc.ioctl.name}' is not defined`, nearest(doc.ioctl.name, n.constants, Math.max(3, doc.ioctl.name.length / 4)));
    }
    const describes = new Map(doc.params.flatMap((p) => p.lines.map((l) => [l, p.name] as const)));
    for (const line of proseLines(doc)) {
      for (const m of line.text.matchAll(/\b(struct|union|enum)\s+([A-Za-z_]\w*)(?![\w*])/g)) {
        const name = m[2]!;
        // "this struct is", "union of", "enum value": English, not a reference.
        if (n.tags.has(name) || n.other.has(name) || n.world(name) || ENGLISH.has(name.toLowerCase()) || name.endsWith("_")) continue;
        // Defined nowhere we can see: a defect only when it resembles one of the linted tags
        // (a rename); otherwise it may be a kernel-internal type (`struct net_device`).
        const suggestion = suggestTag(name, m[1]!, n.tags, home);
        if (!suggestion) continue;
        const at = m.index! + m[0].length - name.length;
        this.report("unknown-reference", lineAt(line, at), name, symbol, `'${m[1]} ${name}' is not defined by the linted headers`, suggestion);
      }
      for (const m of line.text.matchAll(/(?<![\w@])([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\b(?![*(]|_\*|\w)/g)) {
        const name = m[1]!;
        // `LSM_ID_XXX`, `DFL_FPGA_XXX_SET_IRQ`: placeholders, not names.
        if (known(name) || n.world(name) || /^CONFIG_/.test(name) || /(^|_)X{2,}(_|$)/.test(name)) continue;
        // `NCSI_CHANNEL_ACTIVE` in @NCSI_CHANNEL_ATTR_ACTIVE's description: the state the
        // enumerator reports, named by its own words, not a reference to another constant.
        const owner = describes.get(line);
        if (owner && containsWords(owner, name)) continue;
        const suggestion = nearest(name, n.constants, Math.max(3, name.length / 4));
        if (!claimsNamespace(name, n.namespaces.get(doc.nameLoc.file), () => suggestion !== undefined)) continue;
        this.report("unknown-reference", lineAt(line, m.index!), name, symbol, `'${name}' is not defined by the linted headers`, suggestion);
      }
      if (members.size) this.memberReferences(line, symbol, members, known, strictAt);
    }
  }

  /**
   * `@x`, `x[]` and bare snake_case words that name a member which does not exist. `@x` in a
   * struct or union doc is a member reference by convention; elsewhere, and for `x[]` and bare
   * words, the name must also resemble a real member (same last word, a rename marker such as
   * `out_` in front of one, or a small edit distance) to count.
   */
  private memberReferences(line: DocLine, symbol: string, members: Map<string, boolean>, known: (n: string) => boolean, strictAt: boolean): void {
    const last = (x: string) => x.split("_").pop()!;
    const sharesLastWord = (name: string) => [...members.keys()].some((m) => m.includes("_") && last(m) === last(name));
    const close = (name: string, slack: number) =>
      [...members.keys()].filter((m) => RENAME_MARKERS.some((p) => name === `${p}_${m}`) || distance(name, m) <= Math.max(1, Math.floor(m.length / slack)));
    const report = (at: number, name: string, asArray: boolean) =>
      this.report("stale-member-reference", lineAt(line, at), name, symbol, `'${name}' is not a member of '${symbol}'`, suggestMember(name, members, asArray));
    for (const m of line.text.matchAll(/@([A-Za-z_]\w*)(?![\w(]|\.@|::)/g)) {
      const name = m[1]!;
      if (known(name) || DOC_WORDS.has(name)) continue;
      // `@exception mask`: a member's name written with a space, prose rather than a stale name.
      const next = /^\s+([a-z]\w*)/.exec(line.text.slice(m.index! + m[0].length))?.[1];
      if (next && members.has(`${name}_${next}`)) continue;
      if (strictAt || sharesLastWord(name) || close(name, 4).length) report(m.index! + 1, name, false);
    }
    for (const m of line.text.matchAll(/(?<![\w.>\-@/])([A-Za-z_]\w*)\[\]/g)) {
      const name = m[1]!;
      if (!known(name) && (sharesLastWord(name) || close(name, 4).length)) report(m.index!, name, true);
    }
    for (const m of line.text.matchAll(/(?<![\w@.>\-`/<:])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b(?![\w([>]|::)/g)) {
      const name = m[1]!;
      if (!known(name) && close(name, 8).length) report(m.index!, name, false);
    }
  }

  /** Comments in kerneldoc form that kernel-doc will skip because they open with `/*`. */
  plainComment({ text, loc, reading }: Comment): void {
    // One-line notes (`/* struct in6_addr */`, `/* enum devlink_trap_action */`) are not docs.
    if (text.startsWith("/**") || !text.includes("\n")) return;
    const doc = reading.doc;
    const hasParams = /^\s*\*?\s*@[A-Za-z_][\w.]*\s*:/m.test(text);
    const titled = doc && (doc.kind !== "function" || doc.ioctl?.macro !== undefined || doc.params.length > 0);
    if (!titled && !hasParams) return;
    const name = doc?.name ?? /@([A-Za-z_][\w.]*)\s*:/.exec(text)![1]!;
    const symbol = doc ? (doc.kind === "function" || doc.kind === "doc" ? name : `${doc.kind} ${name}`) : name;
    this.report("not-kerneldoc-comment", loc, name, symbol, `comment in kerneldoc form for '${name}' opens with '/*', so kernel-doc ignores it`, "/**", 2);
  }
}

export function lintUnits(units: LintUnit[], world?: (name: string) => boolean): Finding[] {
  const linter = new Linter(collectNames(units, world));
  for (const { model, layout } of units) {
    for (const r of model.records) linter.record(r, layout, model.comments);
    for (const e of model.enums) linter.enumeration(e, model.comments);
    // Every other kerneldoc of the header (ioctl docs above #defines, DOC: blocks, strays).
    for (const d of model.kerneldocs) linter.freeDoc(d, d.kind === "doc" ? `DOC: ${d.name}` : d.kind === "function" ? d.name : `${d.kind} ${d.name}`);
    for (const c of model.comments) linter.plainComment(c);
    checkTitles(model, (f) => linter.findings.push({ ...f, severity: "warning", message: f.suggestion ? `${f.message}; did you mean '${f.suggestion}'?` : f.message }));
  }
  // A doc attached to two declarations (a typedef and its struct) is reported once.
  const seen = new Set<string>();
  return linter.findings.filter((f) => {
    const key = `${f.loc.file}:${f.loc.line}:${f.loc.column}:${f.rule}:${f.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
