// A document of groups, lines and indents, and the printer that lays it out in a width: the
// algorithm of Wadler's "prettier printer" as prettier implements it (printDocToString), so that
// a document built the way prettier builds it for a node comes out as prettier prints that node.
// printer.ts builds the documents of the TypeScript uapigen emits.

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
type Cmd = [indent: number, mode: Mode, doc: Doc];

function fits(next: Cmd, rest: Cmd[], width: number, modes: Map<symbol, Mode>, mustBeFlat: boolean): boolean {
  let restIdx = rest.length;
  const cmds: [Mode, Doc][] = [[next[1], next[2]]];
  while (width >= 0) {
    if (cmds.length === 0) {
      if (restIdx === 0) return true;
      const r = rest[--restIdx]!;
      cmds.push([r[1], r[2]]);
      continue;
    }
    const [mode, doc] = cmds.pop()!;
    if (typeof doc === "string") {
      width -= doc.length;
    } else if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) cmds.push([mode, doc[i]!]);
    } else {
      switch (doc.t) {
        case "indent":
          cmds.push([mode, doc.contents]);
          break;
        case "group": {
          if (mustBeFlat && doc.brk) return false;
          const groupMode = doc.brk ? BREAK : mode;
          cmds.push([groupMode, doc.states && groupMode === BREAK ? doc.states.at(-1)! : doc.contents]);
          break;
        }
        case "ifBreak": {
          const groupMode = doc.id ? (modes.get(doc.id) ?? FLAT) : mode;
          cmds.push([mode, groupMode === BREAK ? doc.brk : doc.flat]);
          break;
        }
        case "indentIfBreak":
          cmds.push([mode, doc.contents]);
          break;
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
  const cmds: Cmd[] = [[0, BREAK, doc]];
  while (cmds.length) {
    const [ind, mode, d] = cmds.pop()!;
    if (typeof d === "string") {
      out.push(d);
      pos += d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.t) {
      case "indent":
        cmds.push([ind + 2, mode, d.contents]);
        break;
      case "indentIfBreak":
        cmds.push([(modes.get(d.id) ?? FLAT) === BREAK ? ind + 2 : ind, mode, d.contents]);
        break;
      case "group": {
        if (mode === FLAT && !remeasure) {
          cmds.push([ind, d.brk ? BREAK : FLAT, d.contents]);
          if (d.id) modes.set(d.id, d.brk ? BREAK : FLAT);
          break;
        }
        remeasure = false;
        const next: Cmd = [ind, FLAT, d.contents];
        const rem = width - pos;
        let chosen: Cmd;
        if (!d.brk && fits(next, cmds, rem, modes, false)) chosen = next;
        else if (d.states) {
          const most = d.states.at(-1)!;
          chosen = [ind, BREAK, most];
          if (!d.brk) {
            for (let i = 1; i < d.states.length; i++) {
              const state: Cmd = [ind, FLAT, d.states[i]!];
              if (fits(state, cmds, rem, modes, false)) {
                chosen = state;
                break;
              }
            }
          }
        } else chosen = [ind, BREAK, d.contents];
        cmds.push(chosen);
        if (d.id) modes.set(d.id, chosen[1]);
        break;
      }
      case "ifBreak": {
        const groupMode = d.id ? (modes.get(d.id) ?? FLAT) : mode;
        cmds.push([ind, mode, groupMode === BREAK ? d.brk : d.flat]);
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
