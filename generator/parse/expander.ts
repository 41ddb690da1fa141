// Macro expansion with per-token hide sets (Prosser's algorithm, simplified): object- and
// function-like macros, # and ##, variadics (named and __VA_ARGS__, GNU comma elision).
import { fail } from "../diagnostics.js";
import { tokenize, type Token } from "./lexer.js";
import type { Macro } from "./preprocess.js";

/** Macro expansion with per-token hide sets (Prosser's algorithm, simplified). */
export class Expander {
  constructor(
    private readonly macros: Map<string, Macro>,
    private readonly tick: () => void,
  ) {}

  expand(input: Token[]): Token[] {
    const out: Token[] = [];
    let queue = input;
    let i = 0;
    while (i < queue.length) {
      const t = queue[i]!;
      const m = t.kind === "ident" ? this.macros.get(t.text) : undefined;
      if (!m || t.hide?.has(t.text)) {
        out.push(t);
        i++;
        continue;
      }
      if (!m.params) {
        const hide = new Set(t.hide ?? []).add(m.name);
        queue = [...this.substitute(m, [], t, hide), ...queue.slice(i + 1)];
        i = 0;
        continue;
      }
      let k = i + 1;
      while (queue[k]?.kind === "comment") k++;
      if (queue[k]?.text !== "(") {
        out.push(t);
        i++;
        continue;
      }
      const call = this.collectArgs(queue, k, t);
      const args = call.args;
      const want = m.params.length;
      if (m.variadic) {
        while (args.length < want) args.push([]);
        if (args.length > want) {
          const rest = args.splice(want - 1);
          const joined: Token[] = [];
          rest.forEach((a, n) => {
            if (n) joined.push({ ...t, kind: "punct", text: "," });
            joined.push(...a);
          });
          args.push(joined);
        }
      } else if (!(want === 0 && args.length === 1 && args[0]!.length === 0) && args.length !== want) {
        fail("macro-expansion", `macro '${m.name}' expects ${want} argument(s), got ${args.length}`, t.loc);
      }
      const hide = new Set(t.hide ?? []).add(m.name);
      queue = [...this.substitute(m, args, t, hide), ...queue.slice(call.end)];
      i = 0;
    }
    return out;
  }

  private collectArgs(toks: Token[], open: number, at: Token): { args: Token[][]; end: number } {
    const args: Token[][] = [[]];
    let depth = 0;
    for (let k = open + 1; k < toks.length; k++) {
      const a = toks[k]!;
      if (a.kind === "comment") continue;
      if (a.text === "(") depth++;
      else if (a.text === ")") {
        if (depth === 0) return { args, end: k + 1 };
        depth--;
      } else if (a.text === "," && depth === 0) {
        args.push([]);
        continue;
      }
      args[args.length - 1]!.push(a);
    }
    fail("macro-expansion", `unterminated argument list invoking macro '${at.text}'`, at.loc);
  }

  private substitute(m: Macro, args: Token[][], site: Token, hide: Set<string>): Token[] {
    const params = m.params ?? [];
    const argOf = (tok: Token | undefined) => (tok && tok.kind === "ident" ? params.indexOf(tok.text) : -1);
    const body = m.body;
    // Each entry is a token or a placemarker (null) for an empty argument next to ##.
    const result: (Token | null)[] = [];
    const relocate = (x: Token): Token => {
      this.tick();
      return { ...x, loc: site.loc, bol: false, hide, expandedFrom: site.expandedFrom ?? site.text };
    };
    for (let k = 0; k < body.length; k++) {
      const b = body[k]!;
      // GNU `, ## __VA_ARGS__`: the comma goes away when the variadic argument is empty.
      if (b.text === "," && body[k + 1]?.text === "##" && m.variadic && argOf(body[k + 2]) === params.length - 1) {
        const rest = args[params.length - 1]!;
        if (rest.length) {
          result.push(relocate(b));
          for (const a of rest) result.push({ ...a, bol: false, hide: new Set([...(a.hide ?? []), ...hide]) });
        }
        k += 2;
        continue;
      }
      if (b.text === "#" && b.kind === "punct" && m.params) {
        const p = argOf(body[k + 1]);
        if (p < 0) fail("macro-expansion", "'#' is not followed by a macro parameter", b.loc);
        const text = args[p]!.map((a, n) => (n && a.spaceBefore ? " " : "") + a.text).join("");
        result.push(relocate({ ...b, kind: "string", text: JSON.stringify(text) }));
        k++;
        continue;
      }
      const p = argOf(b);
      if (p >= 0) {
        const pasted = body[k - 1]?.text === "##" || body[k + 1]?.text === "##";
        const arg = args[p]!;
        const tokens = pasted ? arg : this.expand(arg);
        if (pasted && tokens.length === 0) result.push(null);
        // Argument tokens were written at the call site: they keep their own locations.
        for (const a of tokens) {
          this.tick();
          result.push({ ...a, bol: false, hide: new Set([...(a.hide ?? []), ...hide]) });
        }
        continue;
      }
      result.push(relocate(b));
    }
    // Token pasting.
    const pasted: (Token | null)[] = [];
    for (let k = 0; k < result.length; k++) {
      const r = result[k];
      if (r && r.text === "##" && r.kind === "punct") {
        const left = pasted.pop();
        const right = result[++k];
        if (left === undefined || right === undefined) fail("macro-expansion", "'##' cannot appear at either end of a macro expansion", site.loc);
        if (left === null) pasted.push(right);
        else if (right === null) pasted.push(left);
        else {
          const joined = tokenize(left.text + right.text, site.loc.file).filter((x) => x.kind !== "comment");
          if (joined.length !== 1) fail("macro-expansion", `pasting "${left.text}" and "${right.text}" does not give a valid preprocessing token`, site.loc);
          pasted.push({ ...left, kind: joined[0]!.kind, text: joined[0]!.text });
        }
        continue;
      }
      pasted.push(r ?? null);
    }
    return pasted.filter((x): x is Token => x !== null);
  }
}
