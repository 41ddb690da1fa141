// What a C user's includes give every header: <linux/ioctl.h> and size_t come from uapigen's
// prelude; what still cannot be evaluated is a located warning, never a silent omission; and
// --include adds what a header relies on but does not include.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const INCLUDES = ["-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-prelude-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const run = (dir: string, args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8" });

// As userfaultfd.h: _IOWR without <linux/ioctl.h>; as fs.h: sizeof(size_t); a struct of another header.
const HEADER = `#include <linux/types.h>
struct uf_api { __u64 api; __u64 features; };
#define UF_API _IOWR(0xAA, 0x3F, struct uf_api)
#define UF_GETSIZE64 _IOR(0x12, 114, size_t)
#define UF_TRACE _IOWR(0x12, 115, struct uf_trace)
#define UF_NAME "uf"
`;

test("requests that rely on <sys/ioctl.h> and size_t are evaluated; the rest are located warnings", () => {
  const dir = tree({ "linux/uf.h": HEADER, "extra/uf_trace.h": "#include <linux/types.h>\nstruct uf_trace { char name[32]; __u32 pid; };\n" });
  const layout = run(dir, ["layout", "linux/uf.h", "--json", ...INCLUDES]);
  assert.equal(layout.status, 0, layout.stderr);
  const report = JSON.parse(layout.stdout) as { ioctls: Record<string, string>; unevaluated: Record<string, { line: number; reason: string }> };
  assert.equal(BigInt(report.ioctls.UF_API!), 0xc010aa3fn);
  assert.equal(BigInt(report.ioctls.UF_GETSIZE64!), 0x80081272n);
  assert.deepEqual(Object.keys(report.unevaluated), ["UF_TRACE"], "the string macro is not an integer, and not reported");
  assert.match(report.unevaluated.UF_TRACE!.reason, /'struct uf_trace' is not defined/);

  // A runtime path: this temp folder has no @uapigen/runtime to find (test/cli/cli.test.ts).
  const gen = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen", "--arch", "x86_64", "--runtime", "../runtime", ...INCLUDES]);
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal(
    gen.stderr,
    "linux/uf.h:5:9: warning: 'UF_TRACE' is not emitted: not an integer constant: 'struct uf_trace' is not defined; the type is declared in another header: add it with --include [unevaluated-define]\n",
  );
  // --include brings the struct in: the request is evaluated and nothing is reported.
  const withTrace = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen2", "--arch", "x86_64", "--include", "extra/uf_trace.h", "--runtime", "../runtime", ...INCLUDES]);
  assert.equal(withTrace.stderr, "");
  assert.match(fs.readFileSync(path.join(dir, "gen2", "uf.ts"), "utf8"), /export const UF_TRACE = 0xc0241273;/);
  const missing = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen3", "--include", "nope.h", ...INCLUDES]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /linux\/uf\.h:1:1: error: 'nope\.h' \(included before the header, as with -include\) not found \[include\]/);
  assert.equal(fs.existsSync(path.join(dir, "gen3")), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("freestanding headers (stddef.h, limits.h, stdint.h, stdbool.h) come with uapigen, per architecture, as gcc lays them out", () => {
  const dir = tree({
    "linux/fs_like.h": `#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
struct fl_args {
	size_t len;
	uint64_t off;
	bool ok;
	int32_t id;
	uintptr_t addr;
};
#define FL_MAX INT_MAX
#define FL_LMAX LONG_MAX
`,
  });
  const layout = (arch: string) => {
    const r = run(dir, ["layout", "linux/fs_like.h", "--json", "--arch", arch, ...INCLUDES]);
    assert.equal(r.status, 0, r.stderr);
    // Constants as written (JSON.parse would round 64-bit integers to doubles).
    const constants = Object.fromEntries([...r.stdout.matchAll(/"(FL_\w+)": (-?\d+)/g)].map((m) => [m[1]!, m[2]!]));
    return { ...(JSON.parse(r.stdout) as { structs: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }> }), constants };
  };
  const x86 = layout("x86_64");
  const i386 = layout("i386");
  assert.equal(x86.structs.fl_args!.fields.len!.size, 8);
  assert.equal(i386.structs.fl_args!.fields.len!.size, 4);
  assert.equal(BigInt(x86.constants.FL_LMAX!), (1n << 63n) - 1n);
  assert.equal(BigInt(i386.constants.FL_LMAX!), (1n << 31n) - 1n);
  assert.equal(BigInt(x86.constants.FL_MAX!), 2147483647n);
  // gcc, with its own freestanding headers and the same uAPI tree, agrees on x86_64.
  const probe = path.join(dir, "probe.c");
  fs.writeFileSync(probe, `#include <linux/fs_like.h>
#include <stdio.h>
int main(void) { printf("%zu %zu %zu %zu %zu %zu\\n", sizeof(struct fl_args), offsetof(struct fl_args, off), offsetof(struct fl_args, ok), offsetof(struct fl_args, id), offsetof(struct fl_args, addr), sizeof(((struct fl_args *)0)->addr)); return 0; }
`);
  const exe = path.join(dir, "probe");
  const cc = spawnSync("gcc", ["-o", exe, probe, "-I", dir, ...INCLUDES], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  const [size, off, ok, id, addr, addrSize] = spawnSync(exe, { encoding: "utf8" }).stdout.trim().split(" ").map(Number);
  const f = x86.structs.fl_args!;
  assert.deepEqual([f.size, f.fields.off!.offset, f.fields.ok!.offset, f.fields.id!.offset, f.fields.addr!.offset, f.fields.addr!.size], [size, off, ok, id, addr, addrSize]);
  fs.rmSync(dir, { recursive: true, force: true });
});
