// Macro expansion as gcc's cpplib does it: the tokens being read form a stack of contexts, one per
// macro replacement, and a macro is disabled while its replacement is being read. A name read
// while its macro is disabled is painted and never expands again. Every token is read once, so an
// expansion costs what it produces; the budget counts every token an expansion places, argument
// pre-expansion, stringification and pasting included. Object- and function-like macros, # and
// ##, variadics (named and __VA_ARGS__, GNU comma elision).
import { fail } from "../ir/diagnostics.js";
import { retoken, token, tokenize, type Token } from "./lexer.js";
import type { SourceLocation } from "../ir/diagnostics.js";

export interface Macro {
  name: string;
  /** Undefined for object-like macros. */
  params?: string[];
  variadic: boolean;
  body: Token[];
  loc: SourceLocation;
  /** Predefined by the ABI rather than written in a header. */
  builtin: boolean;
  /** The comment right before the #define line (a kerneldoc for ioctls in vfio.h). */
  comment?: Token;
}

/**
 * How deeply macro invocations may nest inside arguments (`F(F(F(x)))`): each level pre-expands
 * the one inside on the JavaScript stack.
 */
export const MAX_ARGUMENT_NESTING = 256;

/** Token copies that expansions may still place, shared by the expansions it is given to. */
export class ExpansionBudget {
  spent = 0;
  constructor(readonly limit: number) {}

  get exhausted(): boolean {
    return this.spent > this.limit;
  }

  spend(count: number, site: Token): void {
    this.spent += count;
    if (this.spent > this.limit) {
      fail("macro-expansion", `macro expansion of '${site.expandedFrom ?? site.text}' is too large (more than ${this.limit} tokens)`, site.loc);
    }
  }
}

interface Context {
  tokens: readonly Token[];
  pos: number;
  /** The macro this is the replacement of, disabled while the context is on the stack. */
  macro?: string;
}

/** The context stack of one expansion. */
class Reader {
  private readonly stack: Context[];
  constructor(
    input: readonly Token[],
    private readonly disabled: Set<string>,
  ) {
    this.stack = [{ tokens: input, pos: 0 }];
  }

  /**
   * The next token, undefined at the end of the input. A context is left when a read goes past
   * its end, not when its last token is read: a macro stays disabled while that token expands.
   */
  next(): Token | undefined {
    for (;;) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.pos < top.tokens.length) return top.tokens[top.pos++];
      if (this.stack.length === 1) return undefined;
      this.stack.pop();
      if (top.macro) this.disabled.delete(top.macro);
    }
  }

  /** The next token that is not a comment, without reading anything. */
  peekCode(): Token | undefined {
    for (let s = this.stack.length - 1; s >= 0; s--) {
      const c = this.stack[s]!;
      for (let p = c.pos; p < c.tokens.length; p++) if (c.tokens[p]!.kind !== "comment") return c.tokens[p];
    }
    return undefined;
  }

  push(tokens: Token[], macro: string): void {
    this.stack.push({ tokens, pos: 0, macro });
    this.disabled.add(macro);
  }

  /** Enables again the macros of the contexts still open (the input ended or an error left). */
  close(): void {
    for (const c of this.stack) if (c.macro) this.disabled.delete(c.macro);
    this.stack.length = 1;
  }
}

export class Expander {
  /** Macros whose replacement is being read. */
  private readonly disabled = new Set<string>();
  private argumentNesting = 0;

  constructor(
    private readonly macros: Map<string, Macro>,
    private readonly budget: ExpansionBudget,
    /** Told of every macro replaced. */
    private readonly onReplace?: (m: Macro) => void,
  ) {}

  /** Expands `input`, appending the result to `out`. */
  expand(input: readonly Token[], out: Token[] = []): Token[] {
    const reader = new Reader(input, this.disabled);
    try {
      for (let t = reader.next(); t; t = reader.next()) {
        const m = t.kind === "ident" && !t.noExpand ? this.macros.get(t.text) : undefined;
        if (!m) out.push(t);
        else if (this.disabled.has(m.name)) out.push(this.paint(t));
        else if (m.params && reader.peekCode()?.text !== "(") out.push(t);
        else {
          this.onReplace?.(m);
          reader.push(this.substitute(m, m.params ? this.collectArgs(reader, m, t) : [], t), m.name);
        }
      }
    } finally {
      reader.close();
    }
    return out;
  }

  /** A name of a disabled macro, marked so that it never expands, even once the macro is enabled. */
  private paint(t: Token): Token {
    this.budget.spend(1, t);
    return token(t.kind, t.text, t.loc, t.bol, t.spaceBefore, t.expandedFrom, true);
  }

  private collectArgs(reader: Reader, m: Macro, site: Token): Token[][] {
    // Comments between the name and `(` go with the invocation.
    while (reader.next()!.kind === "comment");
    const args: Token[][] = [[]];
    let depth = 0;
    for (let a = reader.next(); a; a = reader.next()) {
      if (a.kind === "comment") continue;
      if (a.text === "(") depth++;
      else if (a.text === ")") {
        if (depth === 0) return this.matchParams(m, args, site);
        depth--;
      } else if (a.text === "," && depth === 0) {
        args.push([]);
        continue;
      }
      // Read from a replacement its macro's name is painted now: the context may end before the
      // argument is expanded.
      const painted = a.kind === "ident" && !a.noExpand && this.disabled.has(a.text) && this.macros.has(a.text);
      args[args.length - 1]!.push(painted ? this.paint(a) : a);
    }
    fail("macro-expansion", `unterminated argument list invoking macro '${m.name}'`, site.loc);
  }

  /** The arguments as the parameters take them: a variadic one gets the rest, commas and all. */
  private matchParams(m: Macro, args: Token[][], site: Token): Token[][] {
    const want = m.params!.length;
    if (m.variadic) {
      while (args.length < want) args.push([]);
      if (args.length > want) {
        const rest = args.splice(want - 1);
        const joined: Token[] = [];
        rest.forEach((a, n) => {
          if (n) joined.push(retoken(site, "punct", ","));
          for (const x of a) joined.push(x);
        });
        this.budget.spend(rest.length, site);
        args.push(joined);
      }
    } else if (!(want === 0 && args.length === 1 && args[0]!.length === 0) && args.length !== want) {
      fail("macro-expansion", `macro '${m.name}' expects ${want} argument(s), got ${args.length}`, site.loc);
    }
    return args;
  }

  /** An argument fully expanded before substitution (C11 6.10.3.1), as if it were the whole input. */
  private expandArgument(arg: Token[], site: Token): Token[] {
    if (this.argumentNesting >= MAX_ARGUMENT_NESTING) {
      fail("nesting-limit", `macro invocations nested in arguments more than ${MAX_ARGUMENT_NESTING} levels deep`, site.loc);
    }
    this.argumentNesting++;
    try {
      return this.expand(arg);
    } finally {
      this.argumentNesting--;
    }
  }

  private substitute(m: Macro, args: Token[][], site: Token): Token[] {
    if (!m.params) return this.replaceObjectLike(m, site);
    const params = m.params;
    const argOf = (tok: Token | undefined) => (tok && tok.kind === "ident" ? params.indexOf(tok.text) : -1);
    const body = m.body;
    const expanded: Token[][] = [];
    // Each entry is a token or a placemarker (null) for an empty argument next to ##.
    const result: (Token | null)[] = [];
    const expandedFrom = site.expandedFrom ?? site.text;
    const relocate = (x: Token): Token => token(x.kind, x.text, site.loc, false, x.spaceBefore, expandedFrom, x.noExpand);
    // Argument tokens were written at the call site: they keep their own locations. Copies that
    // share everything are shared, so a parameter used n times costs n references.
    const place = (tokens: readonly Token[]) => {
      this.budget.spend(tokens.length, site);
      for (const a of tokens) result.push(a.bol ? token(a.kind, a.text, a.loc, false, a.spaceBefore, a.expandedFrom, a.noExpand) : a);
    };
    this.budget.spend(body.length, site);
    for (let k = 0; k < body.length; k++) {
      const b = body[k]!;
      // GNU `, ## __VA_ARGS__`: the comma goes away when the variadic argument is empty.
      if (b.text === "," && body[k + 1]?.text === "##" && m.variadic && argOf(body[k + 2]) === params.length - 1) {
        const rest = args[params.length - 1]!;
        if (rest.length) {
          result.push(relocate(b));
          place(rest);
        }
        k += 2;
        continue;
      }
      if (b.text === "#" && b.kind === "punct" && m.params) {
        const p = argOf(body[k + 1]);
        if (p < 0) fail("macro-expansion", "'#' is not followed by a macro parameter", b.loc);
        this.budget.spend(args[p]!.length, site);
        const text = args[p]!.map((a, n) => (n && a.spaceBefore ? " " : "") + a.text).join("");
        result.push(relocate(retoken(b, "string", JSON.stringify(text))));
        k++;
        continue;
      }
      const p = argOf(b);
      if (p >= 0) {
        const pasted = body[k - 1]?.text === "##" || body[k + 1]?.text === "##";
        if (pasted && args[p]!.length === 0) result.push(null);
        place(pasted ? args[p]! : (expanded[p] ??= this.expandArgument(args[p]!, site)));
        continue;
      }
      result.push(relocate(b));
    }
    return this.paste(result, site);
  }

  /** The common case on its own, without the bookkeeping of parameters: a chain of aliases is
   * as long as the header makes it, and each #define is evaluated on its own. */
  private replaceObjectLike(m: Macro, site: Token): Token[] {
    this.budget.spend(m.body.length, site);
    const expandedFrom = site.expandedFrom ?? site.text;
    const out: Token[] = new Array(m.body.length);
    let pastes = false;
    for (let k = 0; k < m.body.length; k++) {
      const b = m.body[k]!;
      out[k] = token(b.kind, b.text, site.loc, false, b.spaceBefore, expandedFrom, b.noExpand);
      if (b.kind === "punct" && b.text === "##") pastes = true;
    }
    return pastes ? this.paste(out, site) : out;
  }

  /** Applies ## to a substituted replacement list. */
  private paste(result: (Token | null)[], site: Token): Token[] {
    const out: Token[] = [];
    let placemarker = false;
    for (let k = 0; k < result.length; k++) {
      const r = result[k];
      if (r && r.text === "##" && r.kind === "punct") {
        const left = placemarker ? null : out.pop();
        const right = result[++k];
        if (left === undefined || right === undefined) fail("macro-expansion", "'##' cannot appear at either end of a macro expansion", site.loc);
        placemarker = false;
        if (left === null) {
          if (right) out.push(right);
          else placemarker = true;
        } else if (right) {
          const joined = tokenize(left.text + right.text, site.loc.file).filter((x) => x.kind !== "comment");
          if (joined.length !== 1) fail("macro-expansion", `pasting "${left.text}" and "${right.text}" does not give a valid preprocessing token`, site.loc);
          out.push(retoken(left, joined[0]!.kind, joined[0]!.text));
        } else out.push(left);
        continue;
      }
      placemarker = r === null;
      if (r) out.push(r);
    }
    return out;
  }
}
