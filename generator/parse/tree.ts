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

/**
 * What a tree can take from the copy of the text parsed before it: that text's top-level nodes
 * by start, and the edit between the two texts (`shift`: how far the text after it moved).
 */
interface Reuse {
  byStart: Map<number, SyntaxNode>;
  edit: Parser.Edit;
  shift: number;
  /** Where tree-sitter's structure differs between the two trees (Tree.getChangedRanges). */
  changed: Parser.Range[];
}

/**
 * The earlier copy of a top-level node outside the edit and every changed range, its offsets
 * shifted to the new text: a copy made in JavaScript, without the cursor's native calls.
 */
function reusedNode(reuse: Reuse, type: number, start: number, end: number, field: string | null, types: Map<number, string>, parent: SyntaxNode, source: string): SyntaxNode | undefined {
  const { edit, shift } = reuse;
  // Touching counts as overlapping: a token beside the edit may have grown into it.
  if (end >= edit.startIndex && start <= edit.newEndIndex) return undefined;
  if (reuse.changed.some((r) => end >= r.startIndex && start <= r.endIndex)) return undefined;
  const moved = start > edit.newEndIndex ? shift : 0;
  const old = reuse.byStart.get(start - moved);
  if (!old || old.endIndex !== end - moved || old.type !== types.get(type) || old.field !== field) return undefined;
  // Depth first with a stack, as the cursor's walk: trees are deep.
  const top = new SyntaxNode(old.type, start, end, old.isNamed, old.isMissing, field, parent, source);
  top.hasError = old.hasError;
  const stack: [SyntaxNode, SyntaxNode][] = [[old, top]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [from, to] = item;
    for (const c of from.children) {
      const copy = new SyntaxNode(c.type, c.startIndex + moved, c.endIndex + moved, c.isNamed, c.isMissing, c.field, to, source);
      copy.hasError = c.hasError;
      if (c.children.length) stack.push([c, copy]);
    }
  }
  return top;
}

/** tree-sitter's tree as SyntaxNodes, depth first on its cursor (no recursion: trees are deep). */
function copyTree(tree: Parser.Tree, source: string, reuse?: Reuse): SyntaxNode {
  const cursor = tree.walk();
  // One string per node type and field, not one per node.
  const types = new Map<number, string>();
  // Whether a node is named follows from its type (its symbol, or the alias it is shown as).
  const named = new Map<number, boolean>();
  const fields = new Map<number, string | null>();
  // Only a tree with errors has missing nodes: each read of the cursor crosses into C.
  const errors = tree.rootNode.hasError;
  // Whether the node last made came from the cursor, so that its children are still to copy.
  let fromCursor = true;
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
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const earlier = reuse && parent && !parent.parent ? reusedNode(reuse, typeId, start, end, field, types, parent, source) : undefined;
    fromCursor = !earlier;
    return earlier ?? new SyntaxNode(type, start, end, isNamed, errors && cursor.nodeIsMissing, field, parent, source);
  };
  const root = here(null);
  let node = root;
  for (;;) {
    if (fromCursor && cursor.gotoFirstChild()) {
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

/**
 * The text parsed last, with tree-sitter's tree and its copy. The rows' texts differ in a few
 * lines (the asm/ headers'): the next text is parsed incrementally from this tree, and the
 * top-level nodes the difference leaves alone are copied from this copy.
 */
let last: { text: string; tree: Parser.Tree; root: SyntaxNode } | undefined;

/** The edit that turns `from` into `to`: what lies between their common start and end. */
function editBetween(from: string, to: string): Parser.Edit {
  const most = Math.min(from.length, to.length);
  // Blocks first (a native compare each), then characters: the texts are mostly equal.
  const BLOCK = 256;
  let start = 0;
  while (start + BLOCK <= most && from.slice(start, start + BLOCK) === to.slice(start, start + BLOCK)) start += BLOCK;
  while (start < most && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let tail = 0;
  while (tail + BLOCK <= most - start && from.slice(from.length - tail - BLOCK, from.length - tail) === to.slice(to.length - tail - BLOCK, to.length - tail)) tail += BLOCK;
  while (tail < most - start && from.charCodeAt(from.length - 1 - tail) === to.charCodeAt(to.length - 1 - tail)) tail++;
  const point = (text: string, index: number): Parser.Point => {
    const line = index === 0 ? -1 : text.lastIndexOf("\n", index - 1);
    let row = 0;
    for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) row++;
    return { row, column: index - line - 1 };
  };
  const [oldEnd, newEnd] = [from.length - tail, to.length - tail];
  return { startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: point(to, start), oldEndPosition: point(from, oldEnd), newEndPosition: point(to, newEnd) };
}

/** Forget the trees parsed so far: the next text is parsed and copied afresh (for tests). */
export function forgetTrees(): void {
  trees.clear();
  last = undefined;
}

function parseText(text: string): SyntaxNode {
  parser ??= new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  // The default 32 KiB chunking of the string input is fine for ASCII text.
  const input = (index: number) => text.slice(index, index + 65536);
  let tree: Parser.Tree;
  let root: SyntaxNode;
  if (last) {
    const edit = editBetween(last.text, text);
    last.tree.edit(edit);
    tree = parser.parse(input, last.tree);
    const byStart = new Map(last.root.children.map((c) => [c.startIndex, c]));
    root = copyTree(tree, text, { byStart, edit, shift: edit.newEndIndex - edit.oldEndIndex, changed: last.tree.getChangedRanges(tree) });
  } else {
    tree = parser.parse(input);
    root = copyTree(tree, text);
  }
  last = { text, tree, root };
  return root;
}

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
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
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
    text += t.text;
    code.push(t);
    commentBefore.push(pendingComment);
    commentAfter.push(undefined);
    packAt.push(pack);
    pendingComment = undefined;
    prev = t;
  }
  // tree-sitter's offsets are bytes; keep the text ASCII so they are characters too. Each UTF-16
  // unit becomes one "?", so the offsets stay; one pass over the text, not one per token.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class is "not ASCII", control characters included on purpose
  text = text.replace(/[^\x00-\x7f]/g, "?");
  let root = trees.get(text);
  if (!root) {
    root = parseText(text);
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
