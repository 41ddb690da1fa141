// The preprocessor: conditionals against the target's macros, includes, macro expansion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { preprocess } from "#generator/parse/preprocess.js";

function run(files: Record<string, string>, predefined: Record<string, string> = {}, includeDirs = ["/i"]) {
  const tu = preprocess("/i/linux/main.h", { includeDirs, predefined, longBits: 64, readFile: (f) => files[f] });
  return tu;
}
const code = (tu: ReturnType<typeof run>) => tu.tokens.filter((t) => t.kind !== "comment" && t.kind !== "barrier").map((t) => t.text).join(" ");

test("#if/#elif/#else pick the branch the target's macros select", () => {
  const text = "#if defined(__x86_64__) && __SIZEOF_LONG__ == 8\nA\n#elif defined __i386__\nB\n#else\nC\n#endif\n";
  assert.equal(code(run({ "/i/linux/main.h": text }, { __x86_64__: "1", __SIZEOF_LONG__: "8" })), "A");
  assert.equal(code(run({ "/i/linux/main.h": text }, { __i386__: "1", __SIZEOF_LONG__: "4" })), "B");
  assert.equal(code(run({ "/i/linux/main.h": text }, {})), "C");
});

test("nested conditionals inside an inactive branch stay inactive", () => {
  const text = "#ifdef NO\n#if 1\nX\n#else\nY\n#endif\n#else\nZ\n#endif\n";
  assert.equal(code(run({ "/i/linux/main.h": text })), "Z");
});

test("#include <...> searches -I directories in order; \"...\" starts beside the file", () => {
  const files = {
    "/i/linux/main.h": '#include <a.h>\n#include "b.h"\n',
    "/i/a.h": "FROM_I",
    "/j/a.h": "FROM_J",
    "/i/linux/b.h": "BESIDE",
    "/j/b.h": "WRONG",
  };
  assert.equal(code(run(files, {}, ["/i", "/j"])), "FROM_I BESIDE");
  assert.equal(code(run(files, {}, ["/j", "/i"])), "FROM_J BESIDE");
});

test("object- and function-like macros, #, ##, variadics, and no recursive expansion", () => {
  const text = [
    "#define ONE 1",
    "#define ADD(a, b) ((a) + (b))",
    "#define STR(x) #x",
    "#define CAT(a, b) a ## b",
    "#define VA(fmt, ...) f(fmt, __VA_ARGS__)",
    "#define NAMED(args...) g(args)",
    "#define SELF SELF + 1",
    "ADD(ONE, 2) STR(a  b) CAT(x, y) VA(1, 2, 3) NAMED(4, 5) SELF",
  ].join("\n");
  assert.equal(code(run({ "/i/linux/main.h": text })), '( ( 1 ) + ( 2 ) ) "a b" xy f ( 1 , 2 , 3 ) g ( 4 , 5 ) SELF + 1');
});

test("a #define continued over lines with backslashes", () => {
  const tu = run({ "/i/linux/main.h": "#define LONG (1 | \\\n\t2 | \\\n\t4)\nLONG\n" });
  assert.equal(code(tu), "( 1 | 2 | 4 )");
  assert.equal(tu.mainDefines[0]!.name, "LONG");
});

test("expanded tokens keep the location of the invocation and the macro's name", () => {
  const tu = run({ "/i/linux/main.h": "#define __aligned_u64 __u64 __attribute__((aligned(8)))\nstruct s {\n\t__aligned_u64 x;\n};\n" });
  const u64 = tu.tokens.find((t) => t.text === "__u64")!;
  assert.deepEqual(u64.loc, { file: "/i/linux/main.h", line: 3, column: 2 });
  assert.equal(u64.expandedFrom, "__aligned_u64");
});

test("a comment right above a #define is its doc, and does not leak to the next declaration", () => {
  const tu = run({ "/i/linux/main.h": "/** X - _IO(T, 1) */\n#define X 1\nstruct s;\n" });
  assert.equal(tu.mainDefines[0]!.comment?.text, "/** X - _IO(T, 1) */");
  const idx = tu.tokens.findIndex((t) => t.text === "struct");
  assert.equal(tu.tokens[idx - 1]!.kind, "barrier");
});

test("GNU comma elision (`, ## args`) and #include_next", () => {
  const text = "#define F(x, ctx...) f(x, ##ctx)\nF(1) F(2, 3)\n#include <n.h>\n";
  const files = { "/i/linux/main.h": text, "/i/n.h": "#include_next <n.h>\nFIRST", "/j/n.h": "SECOND" };
  assert.equal(code(run(files, {}, ["/i", "/j"])), "f ( 1 ) f ( 2 , 3 ) SECOND FIRST");
});

test("rescanning follows gcc: the C standard's examples of 6.10.3.5 and a painted name", () => {
  const text = [
    "#define x 3",
    "#define f(a) f(x * (a))",
    "#undef x",
    "#define x 2",
    "#define g f",
    "#define z z[0]",
    "#define h g(~",
    "#define m(a) a(w)",
    "#define w 0,1",
    "#define t(a) a",
    "f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);",
    "g(x+(3,4)-w) | h 5) & m",
    "(f)^m(m);",
    // Unspecified by the standard (6.10.3.4p4); gcc gives 2*9*G.
    "#define F(a) a*G",
    "#define G(a) F(a)",
    "F(2)(9)",
    "#define AA BB",
    "#define BB AA",
    "AA BB",
  ].join("\n");
  // What `gcc -E` prints, token by token.
  const gcc = [
    "f ( 2 * ( y + 1 ) ) + f ( 2 * ( f ( 2 * ( z [ 0 ] ) ) ) ) % f ( 2 * ( 0 ) ) + t ( 1 ) ;",
    "f ( 2 * ( 2 + ( 3 , 4 ) - 0 , 1 ) ) | f ( 2 * ( ~ 5 ) ) & f ( 2 * ( 0 , 1 ) ) ^ m ( 0 , 1 ) ;",
    "2 * 9 * G AA BB",
  ].join(" ");
  assert.equal(code(run({ "/i/linux/main.h": text })), gcc);
});

test("an argument used many times is expanded once and counted at every use", () => {
  const text = "#define ONE 1\n#define TWICE(x) x x\n#define FOUR(x) TWICE(TWICE(x))\nFOUR(ONE)\n";
  assert.equal(code(run({ "/i/linux/main.h": text })), "1 1 1 1");
  const bomb = "#define A(x) x x x x x x x x\n#define B(x) A(A(A(x)))\n#define C(x) B(B(B(x)))\n#define D(x) C(C(C(x)))\nD(1)\n";
  assert.throws(() => run({ "/i/linux/main.h": bomb }), /main\.h:5:1: error: macro expansion of 'D' is too large \(more than 2000000 tokens\) \[macro-expansion\]/);
});
