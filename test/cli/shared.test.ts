// Records of included headers in one `generate` run: each is defined once, in the module of the
// header that declares it (`asm/` ones per architecture row), and imported where used; the output
// type-checks with tsc --strict and loads in Node. A tag two headers declare for different rows
// is a located error.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLI, importsFrom, ROOT } from "../helpers.js";
import { typecheck } from "../package/project.js";

const VENDORED = ["-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-shared-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** An output directory inside the workspace, where generated code finds @uapigen/runtime. */
const outDir = () => fs.mkdtempSync(path.join(ROOT, "dist", "shared-"));

const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env });

const generatedFiles = (out: string) => fs.readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).sort();

/** Type-checks the generated modules with tsc --strict and compiles them to `<out>/js`. */
function compile(out: string): string {
  typecheck(out, generatedFiles(out), "js");
  return path.join(out, "js");
}

/** Loads compiled modules in a fresh Node for one architecture row; returns what `script` prints. */
function load(js: string, arch: string, script: string): string {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: js, encoding: "utf8", env: { ...process.env, UAPIGEN_ARCH: arch } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const COMMON = `#include <linux/types.h>
/**
 * struct t_common - what both headers pass
 * @id: an id
 * @addr: an address
 */
struct t_common {
	__u32 id;
	__u64 addr;
};
`;

const USER_A = `#include <linux/ioctl.h>
#include <linux/t_common.h>
struct t_a { struct t_common common; __u32 flags; };
#define T_A_SET _IOW('a', 1, struct t_common)
#define T_A_STATE _IOW('a', 2, struct t_a)
`;

const USER_B = `#include <linux/ioctl.h>
#include <linux/t_common.h>
#define T_B_GET _IOR('b', 1, struct t_common)
`;

test("two headers using one included record: one definition, imported by both; tsc --strict and Node load it", () => {
  const dir = tree({ "linux/t_common.h": COMMON, "linux/t_a.h": USER_A, "linux/t_b.h": USER_B });
  const out = outDir();
  const args = ["generate", "--header", path.join(dir, "linux/t_a.h"), "--header", path.join(dir, "linux/t_b.h"), "--out", out, "-I", dir, ...VENDORED, "--arch", "x86_64"];
  const r = run(args);
  assert.equal(r.status, 0, r.stderr);
  const files = ["t_a.ts", "t_a-ioctls.ts", "t_b.ts", "t_b-ioctls.ts", "t_common.ts"];
  assert.equal(r.stdout, `generated ${files.map((f) => path.join(out, f)).join(", ")}\n`);
  assert.deepEqual(generatedFiles(out), [...files].sort());

  const text = (f: string) => fs.readFileSync(path.join(out, f), "utf8");
  const definitions = files.flatMap((f) => (text(f).match(/^export const t_common =/gm) ?? []).map(() => f));
  assert.deepEqual(definitions, ["t_common.ts"]);
  assert.deepEqual(importsFrom(text("t_a.ts"), "./t_common.js"), ["t_common", "type TCommonInit", "TCommonView"]);
  assert.deepEqual(importsFrom(text("t_b.ts"), "./t_common.js"), ["t_common"]);
  assert.match(text("t_b-ioctls.ts"), /^import type \{ TCommonInit, t_common \} from "\.\/t_common\.js";$/m);
  assert.match(text("t_common.ts"), /^ \* Bindings for the declarations of `<linux\/t_common\.h>` that `<linux\/t_a\.h>`, `<linux\/t_b\.h>` use \(their modules import them from here\)/m);

  const js = compile(out);
  const printed = load(
    js,
    "x86_64",
    `const a = await import("./t_a.js"); const b = await import("./t_b.js"); const common = await import("./t_common.js");
     const bytes = new Uint8Array(a.t_a.size);
     a.t_a.encode({ common: { id: 7, addr: 0x1000n }, flags: 1 }, bytes);
     console.log(a.ioctls.T_A_SET.argument === common.t_common, b.ioctls.T_B_GET.argument === common.t_common, common.t_common.decode(bytes).addr);`,
  );
  assert.equal(printed, "true true 4096n\n");

  // --check and the unchanged-inputs stamp cover the included header's module.
  assert.equal(run([...args, "--check"]).status, 0);
  fs.appendFileSync(path.join(out, "t_common.ts"), "// edited\n");
  const check = run([...args, "--check"]);
  assert.equal(check.status, 1);
  assert.equal(check.stderr, `${path.join(out, "t_common.ts")}: differs from what uapigen generates\n`);
  assert.equal(run(args).stdout, `generated ${path.join(out, "t_common.ts")}\n`);
  fs.rmSync(path.join(out, "t_common.ts"));
  assert.equal(run(args).stdout, `generated ${path.join(out, "t_common.ts")}\n`);
  assert.equal(run(args).stdout, `up to date: ${files.map((f) => path.join(out, f)).join(", ")}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
});

test("an included header that is a header of the run too is imported from its own module", () => {
  const dir = tree({ "linux/t_common.h": COMMON, "linux/t_a.h": USER_A });
  const out = outDir();
  // -I relative to the working directory: declarations are located by relative paths then.
  const args = ["generate", "--header", path.join(dir, "linux/t_a.h"), "--header", path.join(dir, "linux/t_common.h"), "--out", out, "-I", path.relative(ROOT, dir), ...VENDORED, "--arch", "x86_64"];
  const r = run(args);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(generatedFiles(out), ["t_a-ioctls.ts", "t_a.ts", "t_common-ioctls.ts", "t_common.ts"]);
  const text = (f: string) => fs.readFileSync(path.join(out, f), "utf8");
  assert.deepEqual(importsFrom(text("t_a.ts"), "./t_common.js"), ["t_common", "type TCommonInit", "TCommonView"]);
  assert.match(text("t_common.ts"), /^ \* Bindings for `<linux\/t_common\.h>`, generated by uapigen\.$/m);
  compile(out);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
});

// As kvm.h: the header's ioctls and records take a struct of asm/kvm.h, a different file per
// architecture (packed on x86_64 here, to give the rows different layouts).
const KVM = `#include <linux/types.h>
#include <linux/ioctl.h>
#include <asm/t_kvm.h>
struct t_vcpu_state { struct t_regs regs; __u32 id; };
#define T_GET_REGS _IOR('t', 1, struct t_regs)
#define T_SET_STATE _IOW('t', 2, struct t_vcpu_state)
`;
const asmKvm = (attribute: string, extra = "") => `#include <linux/types.h>
/**
 * struct t_regs - general purpose registers
 * @rax: the accumulator
 * @flags: the flags
 */
struct t_regs {
	__u64 rax;
	__u32 flags;
}${attribute};
${extra}`;
const ROWS = ["--arch", "x86_64", "--arch", "aarch64"];
const kvmArgs = (dir: string, out: string) => ["generate", "--header", path.join(dir, "linux/t_kvm.h"), "--out", out, "-I", dir, "-I", path.join(dir, "x86_64-linux-gnu"), ...VENDORED, ...ROWS];

test("an asm/ header's records are one module serving every row with that row's layouts", () => {
  const dir = tree({ "linux/t_kvm.h": KVM, "x86_64-linux-gnu/asm/t_kvm.h": asmKvm(" __attribute__((packed))"), "aarch64-linux-gnu/asm/t_kvm.h": asmKvm("") });
  const out = outDir();
  const r = run(kvmArgs(dir, out));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(generatedFiles(out), ["asm/t_kvm.ts", "t_kvm-ioctls.ts", "t_kvm.ts"]);
  const text = (f: string) => fs.readFileSync(path.join(out, f), "utf8");
  assert.deepEqual(importsFrom(text("t_kvm.ts"), "./asm/t_kvm.js"), ["t_regs", "type TRegsInit", "TRegsView"]);
  assert.match(text("asm/t_kvm.ts"), /const ARCH = selectArch\("asm\/t_kvm\.h", \{ x86_64: 0, aarch64: 1 \}\);/);
  assert.match(text("asm/t_kvm.ts"), /C: `struct t_regs`, 12 bytes, aligned to 1; 16 bytes, aligned to 8 on aarch64\./);
  assert.doesNotMatch(text("t_kvm.ts"), /export const t_regs\b/);

  const js = compile(out);
  const script = `const kvm = await import("./t_kvm.js"); const asm = await import("./asm/t_kvm.js");
    console.log(asm.t_regs.size, kvm.T_GET_REGS.toString(16), kvm.ioctls.T_GET_REGS.argument === asm.t_regs, kvm.t_vcpu_state.offsets.id);`;
  assert.equal(load(js, "x86_64", script), "12 800c7401 true 12\n");
  assert.equal(load(js, "aarch64", script), "16 80107401 true 16\n");

  // A relative --runtime path is relative to the output directory, from nested modules too.
  const other = outDir();
  assert.equal(run([...kvmArgs(dir, other), "--runtime", "./rt"]).status, 0);
  assert.match(fs.readFileSync(path.join(other, "asm", "t_kvm.ts"), "utf8"), /from "\.\.\/rt\/codec\.js";/);
  assert.match(fs.readFileSync(path.join(other, "t_kvm.ts"), "utf8"), /from "\.\/rt\/codec\.js";/);
  for (const d of [dir, out, other]) fs.rmSync(d, { recursive: true, force: true });
});

test("a tag declared in different headers for different rows is a located clash", () => {
  const dir = tree({
    "linux/t_kvm.h": KVM,
    "x86_64-linux-gnu/asm/t_kvm.h": asmKvm(""),
    "aarch64-linux-gnu/asm/t_kvm.h": "#include <asm-generic/t_kvm.h>\n",
    "asm-generic/t_kvm.h": asmKvm(""),
  });
  const out = path.join(dir, "out");
  const r = run(kvmArgs(dir, out));
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    `${path.join(dir, "asm-generic/t_kvm.h")}:7:1: error: struct t_regs is declared in asm-generic/t_kvm.h for aarch64 but in asm/t_kvm.h for x86_64; linux/t_kvm.h's module cannot import it from both: generate for architectures that agree (--arch) [clash]\n`,
  );
  assert.equal(fs.existsSync(out), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("headers that would be emitted as one module file are refused, never overwritten", () => {
  const dir = tree({
    "linux/t_dup.h": "#include <t_dup.h>\nstruct t_outer { struct t_inner inner; };\n",
    "t_dup.h": "struct t_inner { int x; };\n",
    "other/linux/t_dup.h": "struct t_other { int y; };\n",
  });
  const out = path.join(dir, "out");
  const included = run(["generate", "--header", path.join(dir, "linux/t_dup.h"), "--out", out, "-I", dir, ...VENDORED, "--arch", "x86_64"]);
  assert.equal(included.status, 2);
  assert.equal(included.stderr, `${path.join(dir, "t_dup.h")}:1:1: error: t_dup.h would be emitted as ${path.join(out, "t_dup.ts")}, the module of a header of the run [clash]\n`);
  const two = run(["generate", "--header", path.join(dir, "other/linux/t_dup.h"), "--header", path.join(dir, "linux/t_dup.h"), "--out", out, "-I", dir, ...VENDORED, "--arch", "x86_64"]);
  assert.equal(two.status, 2);
  assert.equal(two.stderr, `uapigen: error: ${path.join(dir, "other/linux/t_dup.h")} and ${path.join(dir, "linux/t_dup.h")} would both be emitted as ${path.join(out, "t_dup.ts")} [usage]\n`);
  assert.equal(fs.existsSync(out), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a record the run uses that one row's header lacks is an error, as in a header's own module", () => {
  const kvm = `${KVM}#ifdef __x86_64__\n#define T_GET_EXTRA _IOR('t', 3, struct t_extra)\n#endif\n`;
  const dir = tree({ "linux/t_kvm.h": kvm, "x86_64-linux-gnu/asm/t_kvm.h": asmKvm("", "struct t_extra { __u32 x; };\n"), "aarch64-linux-gnu/asm/t_kvm.h": asmKvm("") });
  const r = run(kvmArgs(dir, path.join(dir, "out")));
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    `${path.join(dir, "x86_64-linux-gnu/asm/t_kvm.h")}:11:1: error: struct t_extra is declared in asm/t_kvm.h for x86_64 but not for aarch64; generate for architectures that agree (--arch) [unsupported]\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
