// The preprocessed translation unit as text for tree-sitter, with a map from every character
// back to the token (and so the source location) it came from. The syntax tree is copied out of
// tree-sitter into plain objects in one walk of a cursor: the binding's own node objects cost
// microseconds each (a native call, a weak reference, a finalizer), several per token.
import Parser from "tree-sitter";
import C from "tree-sitter-c";
import type { Token } from "./lexer.js";

/** The children of every leaf: one array, not one per node (most nodes are leaves). */
const NO_CHILDREN: SyntaxNode[] = [];

/** A node of the syntax tree, with the part of tree-sitter's node interface the parser uses. */
export class SyntaxNode {
  children: SyntaxNode[] = NO_CHILDREN;
  /** An ERROR or MISSING node is here or below. */
  hasError = false;

  constructor(
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    /** The field of its parent it fills, if any. */
    readonly field: string | null,
    readonly parent: SyntaxNode | null,
    private readonly source: string,
  ) {
    if (parent?.children === NO_CHILDREN) parent.children = [this];
    else parent?.children.push(this);
  }

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

  get namedChildren(): SyntaxNode[] {
    return this.children.filter((c) => c.isNamed);
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  get nextSibling(): SyntaxNode | null {
    const siblings = this.parent?.children;
    return siblings?.[siblings.indexOf(this) + 1] ?? null;
  }

  childForFieldName(field: string): SyntaxNode | null {
    return this.children.find((c) => c.field === field) ?? null;
  }

  childrenForFieldName(field: string): SyntaxNode[] {
    return this.children.filter((c) => c.field === field);
  }
}

/** tree-sitter's tree as SyntaxNodes, depth first on its cursor (no recursion: trees are deep). */
function copyTree(tree: Parser.Tree, source: string): SyntaxNode {
  const cursor = tree.walk();
  // One string per node type and field, not one per node.
  const types = new Map<number, string>();
  // Whether a node is named follows from its type (its symbol, or the alias it is shown as).
  const named = new Map<number, boolean>();
  const fields = new Map<number, string | null>();
  // Only a tree with errors has missing nodes: each read of the cursor crosses into C.
  const errors = tree.rootNode.hasError;
  const here = (parent: SyntaxNode | null) => {
    const typeId = cursor.nodeTypeId;
    let type = types.get(typeId);
    let isNamed = named.get(typeId);
    if (type === undefined || isNamed === undefined) {
      types.set(typeId, (type = cursor.nodeType));
      named.set(typeId, (isNamed = cursor.nodeIsNamed));
    }
    const fieldId = cursor.currentFieldId;
    let field = fields.get(fieldId);
    if (field === undefined) fields.set(fieldId, (field = cursor.currentFieldName ?? null));
    return new SyntaxNode(type, cursor.startIndex, cursor.endIndex, isNamed, errors && cursor.nodeIsMissing, field, parent, source);
  };
  const root = here(null);
  let node = root;
  for (;;) {
    if (cursor.gotoFirstChild()) {
      node = here(node);
      continue;
    }
    // The node is done: on to its next sibling, or up to its parent, which is done then too.
    for (;;) {
      if (node.type === "ERROR" || node.isMissing) node.hasError = true;
      const parent = node.parent;
      if (!parent) return root;
      if (node.hasError) parent.hasError = true;
      if (cursor.gotoNextSibling()) {
        node = here(parent);
        break;
      }
      cursor.gotoParent();
      node = parent;
    }
  }
}

export interface ParsedUnit {
  root: SyntaxNode;
  /** Code tokens (comments removed) in text order. */
  code: Token[];
  /** Start offset of code[i] in the text. */
  offsets: number[];
  /** The comment just before code[i], if nothing but white space separates them. */
  commentBefore: (Token | undefined)[];
  /** A comment after code[i] on the same source line. */
  commentAfter: (Token | undefined)[];
  /** The `#pragma pack` alignment in effect at code[i] (0: none). */
  packAt: number[];
}

let parser: Parser | undefined;

/**
 * Trees of texts parsed lately: the rows of a run mostly preprocess a header to the same text,
 * which is parsed once. A tree is never changed once copied.
 */
const trees = new Map<string, SyntaxNode>();

export function parseUnit(tokens: Token[]): ParsedUnit {
  const code: Token[] = [];
  const offsets: number[] = [];
  const commentBefore: (Token | undefined)[] = [];
  const commentAfter: (Token | undefined)[] = [];
  const packAt: number[] = [];
  let pack = 0;
  let pendingComment: Token | undefined;
  let text = "";
  let prev: Token | undefined;
  const dropped = attributesBeforeInitializers(tokens);
  for (const [i, t] of tokens.entries()) {
    if (dropped.has(i)) continue;
    if (t.kind === "pack") {
      pack = Number(t.text);
      continue;
    }
    if (t.kind === "barrier") {
      pendingComment = undefined;
      continue;
    }
    if (t.kind === "comment") {
      const last = code.length - 1;
      if (prev && last >= 0 && commentAfter[last] === undefined && prev.loc.file === t.loc.file && prev.loc.line === t.loc.line) {
        commentAfter[last] = t;
      } else pendingComment = t;
      continue;
    }
    if (prev) text += prev.loc.file === t.loc.file && prev.loc.line === t.loc.line ? " " : "\n";
    offsets.push(text.length);
    // tree-sitter's offsets are bytes; keep the text ASCII so they are characters too.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the class is "not ASCII", control characters included on purpose
    text += t.text.replace(/[^\x00-\x7f]/g, "?");
    code.push(t);
    commentBefore.push(pendingComment);
    commentAfter.push(undefined);
    packAt.push(pack);
    pendingComment = undefined;
    prev = t;
  }
  let root = trees.get(text);
  if (!root) {
    parser ??= new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
    // The default 32 KiB chunking of the string input is fine for ASCII text.
    const tree = parser.parse((index: number) => text.slice(index, index + 65536));
    root = copyTree(tree, text);
    if (trees.size >= 8) trees.delete(trees.keys().next().value!);
    trees.set(text, root);
  }
  return { root, code, offsets, commentBefore, commentAfter, packAt };
}

const isCode = (t: Token) => t.kind !== "comment" && t.kind !== "pack" && t.kind !== "barrier";

/**
 * The tokens of each `__attribute__((...))` written between a declarator and its `= ...`
 * (amd_hsmp.h's `table[] __attribute__((unused)) = {`, an enumerator's `deprecated`): gcc takes
 * them, tree-sitter-c has no place for them, and they change no type.
 */
function attributesBeforeInitializers(tokens: Token[]): Set<number> {
  const code = [...tokens.keys()].filter((i) => isCode(tokens[i]!));
  const out = new Set<number>();
  for (let c = 0; c < code.length; c++) {
    if (tokens[code[c]!]!.text !== "__attribute__" || tokens[code[c + 1]!]?.text !== "(") continue;
    let depth = 0;
    let end = c + 1;
    for (; end < code.length; end++) {
      const text = tokens[code[end]!]!.text;
      if (text === "(") depth++;
      else if (text === ")" && --depth === 0) break;
    }
    if (tokens[code[end + 1]!]?.text !== "=") continue;
    for (let k = c; k <= end; k++) out.add(code[k]!);
    c = end;
  }
  return out;
}

/** Index of the code token at text offset `offset` (the one starting at or before it). */
export function tokenIndexAt(unit: ParsedUnit, offset: number): number {
  let lo = 0;
  let hi = unit.offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (unit.offsets[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function tokensOf(unit: ParsedUnit, node: SyntaxNode): Token[] {
  const start = tokenIndexAt(unit, node.startIndex);
  const out: Token[] = [];
  for (let i = start; i < unit.code.length && unit.offsets[i]! < node.endIndex; i++) out.push(unit.code[i]!);
  return out;
}

export function firstToken(unit: ParsedUnit, node: SyntaxNode): Token {
  return unit.code[tokenIndexAt(unit, node.startIndex)]!;
}
