// The whole-tree comparison behind `npm run test:lint-tree`: kernel-doc's warnings and
// uapigen's findings on the same headers, matched per header and class, and uapigen's own
// findings checked against the judged list.

/** The classes both tools check; the rest of kernel-doc's warnings are not compared. */
export type SharedClass = "undocumented" | "excess" | "mismatch" | "malformed";

export interface KernelDocWarning {
  header: string;
  line: number;
  cls: SharedClass;
  /** The member, enumerator or title name; empty for `malformed`. */
  name: string;
  /** The declaration (`acrn_vdev`), empty for `malformed`. */
  container: string;
  message: string;
}

export interface TreeFinding {
  header: string;
  line: number;
  column: number;
  rule: string;
  symbol: string;
  name: string;
  message: string;
}

export interface Judgement {
  /** `header:line:column rule name`, as `findingId` prints it. */
  finding: string;
  verdict: boolean;
  reason: string;
}

export interface KernelDocWrong {
  /** `header class name`. */
  warning: string;
  reason: string;
}

const RULE_CLASS: Record<string, SharedClass> = {
  "undocumented-member": "undocumented",
  "excess-member-doc": "excess",
  "kerneldoc-name-mismatch": "mismatch",
  "malformed-kerneldoc": "malformed",
};

function classify(message: string): [SharedClass, string, string] | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^(?:struct|union) member '([^']+)' not described in '([^']+)'/.exec(message))) return ["undocumented", m[1]!, m[2]!];
  if ((m = /^Enum value '([^']+)' not described in enum '([^']+)'/.exec(message))) return ["undocumented", m[1]!, m[2]!];
  // kernel-doc writes excess enum values with their @.
  if ((m = /^Excess (?:struct|union) member '@?([^']+)' description in '([^']+)'/.exec(message))) return ["excess", m[1]!, m[2]!];
  if ((m = /^Excess enum value '@?([^']+)' description in '([^']+)'/.exec(message))) return ["excess", m[1]!, m[2]!];
  if ((m = /^expecting prototype for (?:(?:struct|union|enum) )?(\w+)(?:\(\))?\. Prototype was for (?:(?:struct|union|enum) )?(\w+)/.exec(message))) return ["mismatch", m[1]!, m[2]!];
  if (/^This comment starts with '\/\*\*', but isn't a kernel-doc comment/.test(message)) return ["malformed", "", ""];
  return undefined;
}

/** `kernel-doc -none -Wall` output: the shared-class warnings, each once (it repeats some). */
export function parseKernelDocOutput(text: string, prefix = "include/uapi/linux/"): KernelDocWarning[] {
  const out = new Map<string, KernelDocWarning>();
  for (const line of text.split("\n")) {
    const m = /^Warning: (\S+):(\d+) (.*)$/.exec(line);
    if (!m || !m[1]!.startsWith(prefix)) continue;
    const c = classify(m[3]!);
    if (!c) continue;
    const w = { header: m[1]!.slice(prefix.length), line: Number(m[2]), cls: c[0], name: c[1], container: c[2], message: m[3]! };
    out.set(warningKey(w), w);
  }
  return [...out.values()];
}

function warningKey(w: { header: string; cls: SharedClass; name: string; container: string; line: number }): string {
  // A malformed comment has no name: it is the comment at that line.
  return w.cls === "malformed" ? `${w.header} malformed ${w.line}` : `${w.header} ${w.cls} ${w.name} ${w.container}`;
}

export const findingId = (f: TreeFinding) => `${f.header}:${f.line}:${f.column} ${f.rule} ${f.name}`;

export interface TreeComparison {
  kernelDoc: Record<SharedClass, number>;
  /** kernel-doc warnings of a shared class uapigen reports too. */
  caught: Record<SharedClass, number>;
  missed: KernelDocWarning[];
  /** Missed, but listed as wrong in kernel-doc. */
  excused: KernelDocWarning[];
  /** uapigen findings kernel-doc does not report. */
  only: TreeFinding[];
  judgedTrue: TreeFinding[];
  judgedFalse: TreeFinding[];
  unjudged: TreeFinding[];
}

const zero = (): Record<SharedClass, number> => ({ undocumented: 0, excess: 0, mismatch: 0, malformed: 0 });

export function compareTree(warnings: KernelDocWarning[], findings: TreeFinding[], judged: Judgement[], wrong: KernelDocWrong[]): TreeComparison {
  const ours = new Set<string>();
  for (const f of findings) {
    const cls = RULE_CLASS[f.rule];
    if (cls) ours.add(warningKey({ header: f.header, cls, name: f.name, container: f.symbol.replace(/^(struct|union|enum) /, ""), line: f.line }));
  }
  const theirs = new Set(warnings.map(warningKey));
  const excusedKeys = new Set(wrong.map((w) => w.warning));
  const result: TreeComparison = { kernelDoc: zero(), caught: zero(), missed: [], excused: [], only: [], judgedTrue: [], judgedFalse: [], unjudged: [] };
  for (const w of warnings) {
    result.kernelDoc[w.cls]++;
    if (ours.has(warningKey(w))) result.caught[w.cls]++;
    else if (excusedKeys.has(`${w.header} ${w.cls} ${w.name}`)) result.excused.push(w);
    else result.missed.push(w);
  }
  const verdicts = new Map(judged.map((j) => [j.finding, j.verdict]));
  for (const f of findings) {
    const cls = RULE_CLASS[f.rule];
    if (cls && theirs.has(warningKey({ header: f.header, cls, name: f.name, container: f.symbol.replace(/^(struct|union|enum) /, ""), line: f.line }))) continue;
    result.only.push(f);
    const v = verdicts.get(findingId(f));
    (v === undefined ? result.unjudged : v ? result.judgedTrue : result.judgedFalse).push(f);
  }
  return result;
}

/** The README's table of kernel-doc warnings that are wrong: `| header | class | name | reason |`. */
export function parseKernelDocWrong(readme: string): KernelDocWrong[] {
  const section = /#### kernel-doc warnings that are wrong\n([\s\S]*?)(?=\n#|$)/.exec(readme)?.[1] ?? "";
  const rows: KernelDocWrong[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim().replace(/^`|`$/g, ""));
    if (cells.length < 6 || cells[1] === "header" || /^-+$/.test(cells[1]!)) continue;
    rows.push({ warning: `${cells[1]} ${cells[2]} ${cells[3]}`, reason: cells[4]! });
  }
  return rows;
}
