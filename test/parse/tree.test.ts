// A text parsed incrementally from the one before it (the next ABI row's) gives the same tree,
// node for node, as that text parsed afresh: the reused top-level nodes and the rest alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ABIS } from "#generator/target/abi.js";
import { GNU_KEYWORDS, longBits } from "#generator/target/abi.js";
import { includeDirsFor, PRELUDE } from "#generator/model/build.js";
import { tokenize, type Token } from "#generator/parse/lexer.js";
import { preprocess } from "#generator/parse/preprocess.js";
import { forgetTrees, parseUnit, type SyntaxNode } from "#generator/parse/tree.js";
import { header, ROOT } from "../helpers.js";

/** Every node as a line: depth, type, range, flags and field. */
function dump(root: SyntaxNode): string[] {
  const out: string[] = [];
  const stack: [SyntaxNode, number][] = [[root, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [n, depth] = item;
    out.push(`${depth} ${n.type} ${n.startIndex}-${n.endIndex} ${n.isNamed} ${n.isMissing} ${n.hasError} ${n.field} ${n.parent?.startIndex}`);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, depth + 1]);
  }
  return out;
}

/** Each unit's tree when parsed in turn (incrementally), and afresh. */
function bothWays(units: Token[][]): [string[][], string[][]] {
  forgetTrees();
  const incremental = units.map((tokens) => dump(parseUnit(tokens).root));
  const fresh = units.map((tokens) => {
    forgetTrees();
    return dump(parseUnit(tokens).root);
  });
  return [incremental, fresh];
}

test("every row's iommufd.h and vfio.h, parsed in turn, is the tree parsed afresh", () => {
  const units = ["iommufd.h", "vfio.h"].flatMap((name) =>
    Object.values(ABIS).map((abi) => {
      const includeDirs = includeDirsFor(header("7.3", name), abi, [`${ROOT}/headers/7.3`, `${ROOT}/headers/7.3/x86_64-linux-gnu`]);
      return preprocess(header("7.3", name), { includeDirs, predefined: { ...GNU_KEYWORDS, ...abi.predefined }, longBits: longBits(abi), forceIncludes: [PRELUDE] }).tokens;
    }),
  );
  const [incremental, fresh] = bothWays(units);
  for (const [i, tree] of incremental.entries()) assert.deepEqual(tree, fresh[i], `unit ${i}`);
});

test("edits that break and mend the syntax give the tree parsed afresh", () => {
  const base = ["struct a { int x; };", "struct b { long y[2]; } __attribute__((packed));", "enum e { E1 = 1, E2 };", "typedef unsigned int u32;", "union u { u32 v; char c; };"];
  const texts = [
    base,
    [base[0]!, "struct b { long y[2];", ...base.slice(2)], // an unclosed brace swallows the rest
    base,
    [...base.slice(0, 2), "enum e { E1 = 1, E2 ;", ...base.slice(3)],
    [base[0]!.replace("x", "xx"), ...base.slice(1)],
    [...base, "struct c { int z; };"],
    base.slice(1),
    ["int ;", ...base],
    // A typedef's use whose parse changes with no edit inside it (tree-sitter's changed ranges).
    ["typedef int T;", "T x;"],
    ["typedef int T;", "T * x;"],
    ["typedef int T;", "T x;"],
  ];
  // Longer texts, with edits at the start, in the middle and at the end of many equal lines.
  const many = Array.from({ length: 40 }, (_, i) => base[i % base.length]!.replace(/\b([abeu])\b/, `$1${i}`));
  texts.push(many, ["int ;", ...many], [...many.slice(0, 20), "struct m { int q; };", ...many.slice(20)], many.slice(0, -1), [...many, "enum z { Z"], many);
  const [incremental, fresh] = bothWays(texts.map((lines) => tokenize(lines.join("\n"), "t.h")));
  for (const [i, tree] of incremental.entries()) assert.deepEqual(tree, fresh[i], `text ${i}`);
});
