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

  const gen = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen", "--arch", "x86_64", ...INCLUDES]);
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal(
    gen.stderr,
    "linux/uf.h:5:9: warning: 'UF_TRACE' is not emitted: not an integer constant: 'struct uf_trace' is not defined; the type is declared in another header: add it with --include [unevaluated-define]\n",
  );
  // --include brings the struct in: the request is evaluated and nothing is reported.
  const withTrace = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen2", "--arch", "x86_64", "--include", "extra/uf_trace.h", ...INCLUDES]);
  assert.equal(withTrace.stderr, "");
  assert.match(fs.readFileSync(path.join(dir, "gen2", "uf.ts"), "utf8"), /export const UF_TRACE = 0xc0241273;/);
  const missing = run(dir, ["generate", "--header", "linux/uf.h", "--out", "gen3", "--include", "nope.h", ...INCLUDES]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /linux\/uf\.h:1:1: error: 'nope\.h' \(included before the header, as with -include\) not found \[include\]/);
  assert.equal(fs.existsSync(path.join(dir, "gen3")), false);
  fs.rmSync(dir, { recursive: true, force: true });
});
