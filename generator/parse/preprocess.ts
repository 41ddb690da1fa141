// A C preprocessor for uAPI headers: conditionals evaluated against the target ABI's predefined
// macros, #include resolution (compiler style), and object- and function-like macro expansion
// (#, ##, variadics; see expander.ts). Its output is the translation unit as tokens that keep the
// location of the source token, or of the macro invocation that produced them, plus comments.
import fs from "node:fs";
import path from "node:path";
import { fail, type SourceLocation } from "../ir/diagnostics.js";
import { evaluate } from "./consteval.js";
import { ExpansionBudget, Expander, type Macro } from "./expander.js";
import { retoken, tokenize, type Token } from "./lexer.js";

export interface PreprocessOptions {
  includeDirs: string[];
  /** NAME -> replacement text, e.g. the target's __x86_64__, __CHAR_BIT__. */
  predefined: Record<string, string>;
  longBits: number;
  /** Reads a file; defaults to fs. Tests and the fuzzer substitute their own. */
  readFile?: (file: string) => string | undefined;
  /** Files processed before the main one, as gcc's -include: paths, or names found like <name>. */
  forceIncludes?: string[];
}

export interface TranslationUnit {
  mainFile: string;
  /** Active, macro-expanded tokens of every file in inclusion order, comments included. */
  tokens: Token[];
  macros: Map<string, Macro>;
  /** Object-like macros defined by the main file, in definition order. */
  mainDefines: Macro[];
  files: string[];
  /**
   * Identifiers the main file writes in branches not taken (`#ifdef __KERNEL__`), #define
   * names included: they exist in another configuration, so docs may name them.
   */
  inactiveNames: Set<string>;
}

const MAX_INCLUDE_DEPTH = 64;
/**
 * Bytes of source one translation unit may read, every file and every time it is included:
 * parsing costs about a second and 100 MB of memory per 4 MiB. The headers of
 * /usr/include/linux read 1.5 MB at most.
 */
export const MAX_INPUT_BYTES = 16 * 2 ** 20;
/**
 * Tokens a translation unit may have once preprocessed, comments included: the syntax tree
 * over them costs some 200 bytes a token. The headers of /usr/include/linux have 18,000 at most.
 */
export const MAX_UNIT_TOKENS = 500_000;
/** Tokens the files of a translation unit may have, inactive branches included (about 150 bytes each). */
export const MAX_SOURCE_TOKENS = 2 * MAX_UNIT_TOKENS;
/** Token copies macro expansion may place in one translation unit: they are all kept. */
export const MAX_EXPANSION_TOKENS = 2_000_000;

interface Conditional {
  /** This branch is being compiled. */
  active: boolean;
  /** Some branch of this #if chain has been taken. */
  taken: boolean;
  parentActive: boolean;
  sawElse: boolean;
  loc: SourceLocation;
}

/**
 * Files read lately, by path, with the size and time of change they had: every row of a run
 * reads the same headers, from disk once.
 */
const fileTexts = new Map<string, { size: number; mtimeMs: number; text: string }>();

function readCached(f: string): string | undefined {
  const st = fs.statSync(f, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  const hit = fileTexts.get(f);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.text;
  const text = fs.readFileSync(f, "utf8");
  if (fileTexts.size >= 2000) fileTexts.clear();
  fileTexts.set(f, { size: st.size, mtimeMs: st.mtimeMs, text });
  return text;
}

/** Tokens of the file texts read lately: every row of a run lexes the same headers. Tokens are never changed. */
const fileTokens = new Map<string, { text: string; toks: Token[] }>();

function tokensOf(text: string, file: string, before: number): Token[] {
  const hit = fileTokens.get(file);
  // Within the limit only: past it, tokenize fails where it always did.
  if (hit && hit.text === text && before + hit.toks.length <= MAX_SOURCE_TOKENS) return hit.toks;
  const toks = tokenize(text, file, { max: MAX_SOURCE_TOKENS, before });
  if (fileTokens.size >= 2000) fileTokens.clear();
  fileTokens.set(file, { text, toks });
  return toks;
}

export function preprocess(mainFile: string, opts: PreprocessOptions): TranslationUnit {
  const isFile = (f: string) => fs.statSync(f, { throwIfNoEntry: false })?.isFile() === true;
  const read = opts.readFile ?? readCached;
  // Include lookup asks only whether a file is there: reading it is for processFile, past the size check.
  const exists = opts.readFile ? (f: string) => opts.readFile!(f) !== undefined : isFile;
  let inputBytes = 0;
  let sourceTokens = 0;
  /** Counts a file's bytes against the translation unit's input limit. */
  const admit = (bytes: number, file: string, at: SourceLocation | undefined) => {
    inputBytes += bytes;
    if (inputBytes <= MAX_INPUT_BYTES) return;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    const message = `the header and what it includes are more than ${mib(MAX_INPUT_BYTES)} ('${path.basename(file)}' is ${mib(bytes)}); uapigen reads at most ${MAX_INPUT_BYTES} bytes per header`;
    fail("input-size", message, at ?? { file, line: 1, column: 1 });
  };
  const macros = new Map<string, Macro>();
  const builtinLoc: SourceLocation = { file: "<built-in>", line: 1, column: 1 };
  for (const [name, value] of Object.entries(opts.predefined)) {
    macros.set(name, { name, variadic: false, body: tokenize(value, "<built-in>"), loc: builtinLoc, builtin: true });
  }
  const out: Token[] = [];
  const mainDefines: Macro[] = [];
  const inactiveNames = new Set<string>();
  const files: string[] = [];
  const pragmaOnce = new Set<string>();
  let pack = 0;
  const packStack: number[] = [];
  const expander = new Expander(macros, new ExpansionBudget(MAX_EXPANSION_TOKENS));

  /** The -I directory index each file was found through (for #include_next). */
  const foundIn = new Map<string, number>();

  function resolveInclude(name: string, quoted: boolean, from: string, next: boolean): string | undefined {
    // #include_next continues the search after the directory the current file came from.
    const start = next ? (foundIn.get(from) ?? -1) + 1 : 0;
    if (quoted && !next) {
      const beside = path.join(path.dirname(from), name);
      if (exists(beside)) return beside;
    }
    for (let i = start; i < opts.includeDirs.length; i++) {
      const candidate = path.join(opts.includeDirs[i]!, name);
      if (exists(candidate)) {
        if (!foundIn.has(candidate)) foundIn.set(candidate, i);
        return candidate;
      }
    }
    return undefined;
  }

  function processFile(file: string, depth: number, includeLoc?: SourceLocation): void {
    if (pragmaOnce.has(file)) return;
    // The size first, from the file system where there is one: a huge file is never read.
    if (!opts.readFile && isFile(file)) admit(fs.statSync(file).size, file, includeLoc);
    const text = read(file);
    if (text === undefined) fail("include", `cannot read '${file}'`, includeLoc);
    if (opts.readFile) admit(text.length, file, includeLoc);
    files.push(file);
    const toks = tokensOf(text, file, sourceTokens);
    sourceTokens += toks.length;
    const stack: Conditional[] = [];
    const isActive = () => stack.length === 0 || stack[stack.length - 1]!.active;
    let run: Token[] = [];
    const flush = () => {
      if (run.length) expander.expand(run, out);
      run = [];
      if (out.length > MAX_UNIT_TOKENS) {
        fail("input-size", `the header and what it includes are more than ${MAX_UNIT_TOKENS} tokens once preprocessed`, out[MAX_UNIT_TOKENS]!.loc);
      }
    };
    let i = 0;
    while (i < toks.length) {
      const t = toks[i]!;
      if (!(t.bol && t.kind === "punct" && t.text === "#")) {
        if (isActive()) run.push(t);
        else if (file === mainFile && t.kind === "ident") inactiveNames.add(t.text);
        i++;
        continue;
      }
      // A directive: the tokens up to the end of the logical line (comments dropped).
      let j = i + 1;
      while (j < toks.length && !toks[j]!.bol) j++;
      const line = toks.slice(i + 1, j).filter((x) => x.kind !== "comment");
      i = j;
      const before = run[run.length - 1];
      flush();
      out.push(retoken(t, "barrier", ""));
      const name = line[0];
      if (!name) continue; // null directive
      const args = line.slice(1);
      const kw = name.text;
      switch (kw) {
        case "if":
        case "ifdef":
        case "ifndef": {
          const parentActive = isActive();
          let cond = false;
          if (parentActive) {
            if (kw === "if") cond = evalCondition(args, name);
            else {
              const id = args[0];
              if (id?.kind !== "ident") fail("directive", `#${kw} expects a macro name`, name.loc);
              cond = macros.has(id.text) === (kw === "ifdef");
            }
          }
          stack.push({ active: parentActive && cond, taken: cond, parentActive, sawElse: false, loc: name.loc });
          continue;
        }
        case "elif":
        case "else": {
          const top = stack[stack.length - 1];
          if (!top) fail("directive", `#${kw} without #if`, name.loc);
          if (top.sawElse) fail("directive", `#${kw} after #else`, name.loc);
          if (kw === "else") {
            top.sawElse = true;
            top.active = top.parentActive && !top.taken;
            top.taken = true;
          } else {
            const cond = top.parentActive && !top.taken && evalCondition(args, name);
            top.active = cond;
            top.taken ||= cond;
          }
          continue;
        }
        case "endif":
          if (!stack.pop()) fail("directive", "#endif without #if", name.loc);
          continue;
      }
      if (!isActive()) {
        if (file === mainFile && kw === "define" && args[0]?.kind === "ident") inactiveNames.add(args[0].text);
        continue;
      }
      switch (kw) {
        case "define":
          define(args, name, file, before?.kind === "comment" ? before : undefined);
          break;
        case "undef":
          if (args[0]?.kind !== "ident") fail("directive", "#undef expects a macro name", name.loc);
          macros.delete(args[0]!.text);
          break;
        case "include":
        case "include_next": {
          if (depth >= MAX_INCLUDE_DEPTH) fail("include", `#include nested more than ${MAX_INCLUDE_DEPTH} levels (recursive include?)`, name.loc);
          const spec = includeSpec(args.length && args[0]!.kind === "ident" ? expander.expand(args) : args, name);
          const target = resolveInclude(spec.name, spec.quoted, file, kw === "include_next");
          if (!target) fail("include", `'${spec.name}' file not found (add its directory with -I)`, args[0]?.loc ?? name.loc);
          processFile(target, depth + 1, name.loc);
          break;
        }
        case "pragma":
          if (args[0]?.text === "once") pragmaOnce.add(file);
          else if (args[0]?.text === "pack") out.push(retoken(name, "pack", String(pragmaPack(args.slice(1), name))));
          break;
        // biome-ignore lint/suspicious/noFallthroughSwitchClause: fail() throws
        case "error":
          fail("error-directive", `#error ${args.map((a) => a.text).join(" ")}`, name.loc);
        case "warning":
        case "line":
        case "ident":
          break;
        default:
          fail("directive", `unknown preprocessing directive '#${kw}'`, name.loc);
      }
    }
    flush();
    if (stack.length) fail("directive", "unterminated conditional directive", stack[stack.length - 1]!.loc);
  }

  /** `#pragma pack(N)`, `pack()`, `pack(push[, N])`, `pack(pop)`: the new maximum alignment. */
  function pragmaPack(args: Token[], at: Token): number {
    const inner = args.filter((a) => a.text !== "(" && a.text !== ")" && a.text !== ",").map((a) => a.text);
    const value = (text: string | undefined) => {
      const n = Number(text);
      if (!(n >= 1 && n <= 64 && (n & (n - 1)) === 0)) fail("directive", `invalid #pragma pack alignment '${text}'`, at.loc);
      return n;
    };
    if (inner[0] === "push") {
      packStack.push(pack);
      if (inner[1] !== undefined) pack = value(inner[1]);
    } else if (inner[0] === "pop") pack = packStack.pop() ?? 0;
    else pack = inner[0] === undefined ? 0 : value(inner[0]);
    return pack;
  }

  function includeSpec(args: Token[], at: Token): { name: string; quoted: boolean } {
    const first = args[0];
    if (first?.kind === "string") return { name: first.text.slice(1, -1), quoted: true };
    if (first?.text === "<") {
      const close = args.findIndex((a) => a.text === ">");
      if (close > 0) return { name: args.slice(1, close).map((a) => a.text).join(""), quoted: false };
    }
    fail("include", "#include expects \"FILENAME\" or <FILENAME>", at.loc);
  }

  function define(args: Token[], at: Token, file: string, comment: Token | undefined): void {
    const nameTok = args[0];
    if (nameTok?.kind !== "ident") fail("directive", "macro names must be identifiers", nameTok?.loc ?? at.loc);
    let body = args.slice(1);
    let params: string[] | undefined;
    let variadic = false;
    if (body[0]?.text === "(" && !body[0].spaceBefore) {
      params = [];
      let k = 1;
      for (;;) {
        const p = body[k];
        if (!p) fail("directive", "missing ')' in macro parameter list", nameTok.loc);
        if (p.text === ")") break;
        if (p.text === "...") {
          params.push("__VA_ARGS__");
          variadic = true;
        } else if (p.kind === "ident") {
          params.push(p.text);
          if (body[k + 1]?.text === "...") {
            variadic = true;
            k++;
          }
        } else if (p.text !== ",") fail("directive", `invalid token '${p.text}' in macro parameter list`, p.loc);
        k++;
      }
      body = body.slice(k + 1);
    }
    const macro: Macro = { name: nameTok.text, params, variadic, body, loc: nameTok.loc, builtin: false, comment };
    macros.set(macro.name, macro);
    if (file === mainFile && !params) mainDefines.push(macro);
  }

  function evalCondition(args: Token[], at: Token): boolean {
    const replaced: Token[] = [];
    for (let k = 0; k < args.length; k++) {
      const a = args[k]!;
      if (a.kind === "ident" && a.text === "defined") {
        const paren = args[k + 1]?.text === "(";
        const id = args[k + (paren ? 2 : 1)];
        if (id?.kind !== "ident") fail("directive", "'defined' expects a macro name", a.loc);
        if (paren && args[k + 3]?.text !== ")") fail("directive", "missing ')' after 'defined'", a.loc);
        replaced.push(retoken(a, "number", macros.has(id.text) ? "1" : "0"));
        k += paren ? 3 : 1;
      } else replaced.push(a);
    }
    const expanded = expander.expand(replaced).filter((x) => x.kind !== "comment");
    const v = evaluate(expanded, {
      longBits: opts.longBits,
      // Identifiers left after expansion are 0 in #if, as in C.
      identifier: () => ({ v: 0n, t: { bits: 64, signed: true, rank: 5 } }),
    }, at);
    return v.v !== 0n;
  }

  for (const name of opts.forceIncludes ?? []) {
    const target = path.isAbsolute(name) ? (exists(name) ? name : undefined) : resolveInclude(name, false, mainFile, false);
    if (!target) fail("include", `'${name}' (included before the header, as with -include) not found`, { file: mainFile, line: 1, column: 1 });
    processFile(target, 1);
  }
  processFile(mainFile, 0);
  return { mainFile, tokens: out, macros, mainDefines, files, inactiveNames };
}
