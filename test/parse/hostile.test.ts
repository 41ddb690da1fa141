// Headers written as an attacker would (issue 12): huge runs, deep nesting, overflowing sizes,
// macros that explode or chain, a 50 MB file. Each runs through the CLI in a child process with
// a time and a memory limit, and ends in success or in one located diagnostic naming the limit,
// never a stack trace. The limits are bounds for a slow machine, not performance targets.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const TIME_LIMIT_MS = 90_000;
const HEAP_LIMIT_MB = 512;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-hostile-"));
const include = path.join(dir, "include");
fs.mkdirSync(path.join(include, "linux"), { recursive: true });
const INCLUDES = ["-I", include, "-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join("\n");
const nest = (n: number, open: string, inner: string, close: string) => open.repeat(n) + inner + close.repeat(n);

interface Shape {
  name: string;
  text: string | (() => string);
  /** The command: layout, or generate for the x86_64 row. */
  command: "layout" | "generate";
  /** The rule of the one diagnostic expected, or undefined for success. */
  rule?: string;
  /** On success, what stderr says. */
  warning?: RegExp;
}

const PARENS = nest(3000, "(", "1", ")");
// 8^n copies of the argument: the 5th level alone is 8^15 tokens.
const REPEAT = [
  "#define A(x) x x x x x x x x",
  "#define B(x) A(A(A(x)))",
  "#define C(x) B(B(B(x)))",
  "#define D(x) C(C(C(x)))",
  "#define E(x) D(D(D(x)))",
  "#define F(x) E(E(E(x)))",
].join("\n");
const chain = (n: number) => `#define M0 1\n${lines(n, (i) => `#define M${i + 1} M${i}`)}\n`;

const SHAPES: Shape[] = [
  { name: "a struct of 100,000 members (one run of 300k tokens)", text: () => `struct big {\n${lines(100_000, (i) => `\tunsigned int m${i};`)}\n};\n`, command: "layout" },
  { name: "a struct of 100,000 members, generated", text: () => `struct big {\n${lines(100_000, (i) => `\tunsigned int m${i};`)}\n};\n`, command: "generate", rule: "module-size" },
  { name: "3,000 nested parentheses in a #define used as an array size", text: `#define P ${PARENS}\nstruct s { unsigned char a[P]; };\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 nested parentheses in #if", text: `#if ${PARENS}\n#endif\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 nested unary minus signs", text: `enum { X = ${"- ".repeat(3000)}1 };\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 nested anonymous structs and unions", text: `struct outer {\n${lines(3000, (i) => (i % 2 ? "union {" : "struct {"))}\nint x;\n${lines(3000, () => "};")}\n};\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 nested macro invocations in arguments", text: `#define F(x) x\nenum { X = ${nest(3000, "F(", "1", ")")} };\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 structs each holding the one before", text: `struct s0 { int x; };\n${lines(2999, (i) => `struct s${i + 1} { struct s${i} m; };`)}\nstruct use { unsigned char a[sizeof(struct s2999)]; };\n`, command: "layout" },
  { name: "a chain of 5,000 typedefs", text: `typedef int t0;\n${lines(4999, (i) => `typedef t${i} t${i + 1};`)}\nstruct use { t4999 a; };\n`, command: "generate", rule: "nesting-limit" },
  { name: "3,000 array dimensions", text: `struct s { unsigned char a${"[1]".repeat(3000)}; };\n`, command: "generate", rule: "nesting-limit" },
  { name: "an array whose dimensions multiply past 2^64", text: "struct s { unsigned char a[0x10000][0x10000][0x10000][0x10000]; };\n", command: "generate", rule: "array-size" },
  { name: "an overflowing array through typedefs", text: "typedef unsigned char row[0x10000][0x10000];\ntypedef row grid[0x10000];\nstruct s { grid a[0x10000]; };\n", command: "generate", rule: "array-size" },
  { name: "a struct of two 2 GiB arrays", text: "struct s { unsigned char a[0x7fffffff]; unsigned char b[0x7fffffff]; };\n", command: "generate", rule: "record-size" },
  { name: "argument-repeating macros, used", text: `${REPEAT}\nstruct s { int F(a); };\n`, command: "generate", rule: "macro-expansion" },
  { name: "argument-repeating macros, in #if", text: `${REPEAT}\n#if F(1)\n#endif\n`, command: "generate", rule: "macro-expansion" },
  { name: "argument-repeating macros, only #defined (a warning, not emitted)", text: `${REPEAT}\n#define G F(1)\n`, command: "generate", warning: /hostile\d+\.h:7:9: warning: 'G' is not emitted: .*macro expansion of 'G' is too large .*\[unevaluated-define\]/ },
  { name: "a chain of 2,000 #defines, unused", text: chain(2000), command: "generate" },
  { name: "a chain of 10,000 #defines, used", text: `${chain(10_000)}struct s { unsigned char a[M10000]; };\n`, command: "generate" },
  { name: "a chain of 10,000 #defines, defined backwards", text: `${lines(10_000, (i) => `#define M${10_000 - i} M${9_999 - i}`)}\n#define M0 1\n`, command: "layout", rule: "macro-expansion" },
  { name: "a 3 MB kerneldoc comment, generated", text: () => `/**\n * struct s - ${"word ".repeat(600_000)}\n */\nstruct s { int x; };\n`, command: "generate", rule: "module-size" },
  { name: "3,000 structs each holding the one before, generated", text: `struct s0 { int x; };\n${lines(2999, (i) => `struct s${i + 1} { struct s${i} m; };`)}\n`, command: "generate", rule: "module-size" },
  { name: "16 MB of dense declarations", text: () => lines(700_000, (i) => `struct s${i} { int x; };`), command: "layout", rule: "input-size" },
  { name: "a 50 MB header", text: () => "struct s { int x; };\n".repeat(2_500_000), command: "layout", rule: "input-size" },
];

function run(args: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, CLI, ...args], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIME_LIMIT_MS);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr, ms: Date.now() - start });
    });
  });
}

describe("hostile headers end in success or one located diagnostic, within time and memory", { concurrency: 2 }, () => {
  SHAPES.forEach((shape, n) => {
    it(shape.name, async () => {
      const file = path.join(include, "linux", `hostile${n}.h`);
      fs.writeFileSync(file, typeof shape.text === "string" ? shape.text : shape.text());
      const args = shape.command === "layout" ? ["layout", file, ...INCLUDES] : ["generate", "--header", file, "--out", path.join(dir, `out${n}`), "--arch", "x86_64", ...INCLUDES];
      const r = await run(args);
      fs.rmSync(file);
      assert.equal(r.signal, null, `killed after ${r.ms} ms (time limit ${TIME_LIMIT_MS} ms)\n${r.stderr.slice(0, 2000)}`);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at |heap out of memory/, "no crash");
      if (shape.rule === undefined) {
        assert.equal(r.status, 0, r.stderr.slice(0, 2000));
        if (shape.warning) assert.match(r.stderr, shape.warning);
        return;
      }
      assert.equal(r.status, 2, r.stderr.slice(0, 2000));
      const located = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: error: [^\\n]+ \\[${shape.rule}\\]\\n$`);
      assert.match(r.stderr, located);
    });
  });
});

it("the argument-repeating header is the issue's few hundred bytes", () => {
  assert.ok(Buffer.byteLength(`${REPEAT}\nstruct s { int F(a); };\n`) < 400);
});
