// A document of groups, lines and indents, and the printer that lays it out in a width: the
// algorithm of Wadler's "prettier printer" as prettier implements it (printDocToString), so that
// a document built the way prettier builds it for a node comes out as prettier prints that node.
// layout.ts builds the documents of the TypeScript uapigen emits.

export type Doc = string | Doc[] | Group | Indent | Line | IfBreak | IndentIfBreak | BreakParent;

export interface Group {
  t: "group";
  contents: Doc;
  /** Broken: set by the caller, or because the contents hold a hard line. */
  brk: boolean;
  id?: symbol;
  /** A conditional group: the first state that fits, else the last, broken. */
  states?: Doc[];
}
interface Indent {
  t: "indent";
  contents: Doc;
}
interface Line {
  t: "line";
  soft: boolean;
  hard: boolean;
}
interface IfBreak {
  t: "ifBreak";
  brk: Doc;
  flat: Doc;
  id?: symbol;
}
interface IndentIfBreak {
  t: "indentIfBreak";
  contents: Doc;
  id: symbol;
}
interface BreakParent {
  t: "breakParent";
}

export const line: Doc = { t: "line", soft: false, hard: false };
export const softline: Doc = { t: "line", soft: true, hard: false };
/** A line break that does not break the groups around it (in an ifBreak). */
export const forcedLine: Doc = { t: "line", soft: false, hard: true };
export const breakParent: BreakParent = { t: "breakParent" };
export const hardline: Doc = [{ t: "line", soft: false, hard: true }, breakParent];

export function group(contents: Doc, opts: { brk?: boolean; id?: symbol } = {}): Group {
  return { t: "group", contents, brk: opts.brk ?? false, id: opts.id };
}
export function conditionalGroup(states: Doc[], brk = false): Group {
  return { t: "group", contents: states[0]!, brk, states };
}
export const indent = (contents: Doc): Doc => ({ t: "indent", contents });
export const ifBreak = (brk: Doc, flat: Doc = "", id?: symbol): Doc => ({ t: "ifBreak", brk, flat, id });
export const indentIfBreak = (contents: Doc, id: symbol): Doc => ({ t: "indentIfBreak", contents, id });

export function join(sep: Doc, docs: Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i) out.push(sep);
    out.push(d);
  });
  return out;
}

/** Whether a document holds a forced break (prettier's willBreak). */
export function willBreak(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) return doc.some(willBreak);
  switch (doc.t) {
    case "group":
      return doc.brk || willBreak(doc.contents);
    case "line":
      return doc.hard;
    case "breakParent":
      return true;
    case "ifBreak":
      return willBreak(doc.brk) || willBreak(doc.flat);
    default:
      return willBreak(doc.contents);
  }
}

/** Marks every group that holds a hard line as broken, as prettier's propagateBreaks does. */
function propagate(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) {
    let any = false;
    for (const d of doc) if (propagate(d)) any = true;
    return any;
  }
  switch (doc.t) {
    case "group": {
      if (doc.states) {
        // A conditional group is not broken by its contents, and does not break its parents.
        for (const s of doc.states) propagate(s);
        return doc.brk;
      }
      if (propagate(doc.contents)) doc.brk = true;
      return doc.brk;
    }
    case "line":
      return doc.hard;
    case "breakParent":
      return true;
    case "ifBreak": {
      const a = propagate(doc.brk);
      const b = propagate(doc.flat);
      return a || b;
    }
    default:
      return propagate(doc.contents);
  }
}

const FLAT = 0;
const BREAK = 1;
type Mode = typeof FLAT | typeof BREAK;

/** The commands left to print: indentation, mode and document, in three stacks (no tuples). */
interface Stack {
  ind: number[];
  mode: Mode[];
  doc: Doc[];
}

function fits(nextMode: Mode, nextDoc: Doc, rest: Stack, width: number, modes: Map<symbol, Mode>): boolean {
  let restIdx = rest.doc.length;
  const cmdModes: Mode[] = [nextMode];
  const cmdDocs: Doc[] = [nextDoc];
  while (width >= 0) {
    if (cmdDocs.length === 0) {
      if (restIdx === 0) return true;
      restIdx--;
      cmdModes.push(rest.mode[restIdx]!);
      cmdDocs.push(rest.doc[restIdx]!);
      continue;
    }
    const mode = cmdModes.pop()!;
    const doc = cmdDocs.pop()!;
    if (typeof doc === "string") {
      width -= doc.length;
    } else if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) {
        cmdModes.push(mode);
        cmdDocs.push(doc[i]!);
      }
    } else {
      switch (doc.t) {
        case "indent":
        case "indentIfBreak":
          cmdModes.push(mode);
          cmdDocs.push(doc.contents);
          break;
        case "group": {
          const groupMode = doc.brk ? BREAK : mode;
          cmdModes.push(groupMode);
          cmdDocs.push(doc.states && groupMode === BREAK ? doc.states.at(-1)! : doc.contents);
          break;
        }
        case "ifBreak": {
          const groupMode = doc.id ? (modes.get(doc.id) ?? FLAT) : mode;
          cmdModes.push(mode);
          cmdDocs.push(groupMode === BREAK ? doc.brk : doc.flat);
          break;
        }
        case "line":
          if (mode === BREAK || doc.hard) return true;
          if (!doc.soft) width--;
          break;
        case "breakParent":
          break;
      }
    }
  }
  return false;
}

/** Lays a document out in `width` columns, indenting by two spaces. */
export function printDoc(doc: Doc, width: number): string {
  propagate(doc);
  const modes = new Map<symbol, Mode>();
  const out: string[] = [];
  let pos = 0;
  let remeasure = false;
  const cmds: Stack = { ind: [0], mode: [BREAK], doc: [doc] };
  const push = (ind: number, mode: Mode, d: Doc) => {
    cmds.ind.push(ind);
    cmds.mode.push(mode);
    cmds.doc.push(d);
  };
  while (cmds.doc.length) {
    const ind = cmds.ind.pop()!;
    const mode = cmds.mode.pop()!;
    const d = cmds.doc.pop()!;
    if (typeof d === "string") {
      out.push(d);
      pos += d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) push(ind, mode, d[i]!);
      continue;
    }
    switch (d.t) {
      case "indent":
        push(ind + 2, mode, d.contents);
        break;
      case "indentIfBreak":
        push((modes.get(d.id) ?? FLAT) === BREAK ? ind + 2 : ind, mode, d.contents);
        break;
      case "group": {
        if (mode === FLAT && !remeasure) {
          push(ind, d.brk ? BREAK : FLAT, d.contents);
          if (d.id) modes.set(d.id, d.brk ? BREAK : FLAT);
          break;
        }
        remeasure = false;
        const rem = width - pos;
        let chosenMode: Mode = BREAK;
        let chosen: Doc = d.contents;
        if (!d.brk && fits(FLAT, d.contents, cmds, rem, modes)) chosenMode = FLAT;
        else if (d.states) {
          chosen = d.states.at(-1)!;
          if (!d.brk) {
            for (let i = 1; i < d.states.length; i++) {
              if (fits(FLAT, d.states[i]!, cmds, rem, modes)) {
                chosenMode = FLAT;
                chosen = d.states[i]!;
                break;
              }
            }
          }
        }
        push(ind, chosenMode, chosen);
        if (d.id) modes.set(d.id, chosenMode);
        break;
      }
      case "ifBreak": {
        const groupMode = d.id ? (modes.get(d.id) ?? FLAT) : mode;
        push(ind, mode, groupMode === BREAK ? d.brk : d.flat);
        break;
      }
      case "line":
        if (mode === FLAT && !d.hard) {
          if (!d.soft) {
            out.push(" ");
            pos++;
          }
          break;
        }
        if (mode === FLAT) remeasure = true;
        // Trailing spaces go, as prettier trims them.
        while (out.length && out[out.length - 1]!.endsWith(" ")) {
          const text = out[out.length - 1]!;
          let end = text.length;
          while (end && text.charCodeAt(end - 1) === 32) end--;
          const last = text.slice(0, end);
          if (last) {
            out[out.length - 1] = last;
            break;
          }
          out.pop();
        }
        out.push("\n" + " ".repeat(ind));
        pos = ind;
        break;
      case "breakParent":
        break;
    }
  }
  return out.join("");
}
