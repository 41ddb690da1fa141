// A generate killed (SIGKILL) while it writes leaves no temporary file in --out: every file
// there is one a complete run writes, with the content it writes. The next run removes what
// the killed one staged beside --out.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const HEADERS = ["iommufd.h"].map((h) => path.join(ROOT, "headers", "7.3", "linux", h));
const ATTEMPTS = 4;

function args(out: string): string[] {
  return [CLI, "generate", ...HEADERS.flatMap((h) => ["--header", h]), "--out", out, "--arch", "x86_64"];
}

test("a generate killed while it writes leaves no temporary file in --out", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-kill-"));
  // The complete output, made in a folder of its own (its stamp would skip the runs below).
  const reference = path.join(dir, "reference");
  fs.mkdirSync(reference);
  const full = spawnSync(process.execPath, args(path.join(reference, "out")), { cwd: reference, encoding: "utf8" });
  assert.equal(full.status, 0, full.stderr);
  const expected = new Map(fs.readdirSync(path.join(reference, "out")).map((f) => [f, fs.readFileSync(path.join(reference, "out", f), "utf8")]));

  const work = path.join(dir, "work");
  fs.mkdirSync(work);
  const out = path.join(work, "out");
  let killed = 0;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    fs.rmSync(out, { recursive: true, force: true });
    const child = spawn(process.execPath, args(out), { cwd: work, stdio: "ignore" });
    // Writing starts with `out` (or a staging folder beside it) appearing: kill then, a little
    // later on each attempt.
    const delay = attempt;
    const watcher = fs.watch(work, () => setTimeout(() => child.kill("SIGKILL"), delay));
    const [, signal] = (await once(child, "exit")) as [number | null, string | null];
    watcher.close();
    if (signal === "SIGKILL") killed++;
    for (const f of fs.existsSync(out) ? fs.readdirSync(out) : []) {
      assert.ok(expected.has(f), `attempt ${attempt}: '${f}' left in --out`);
      assert.equal(fs.readFileSync(path.join(out, f), "utf8"), expected.get(f), `attempt ${attempt}: '${f}' is incomplete`);
    }
  }
  assert.ok(killed > 0, "no run was killed while writing");

  const after = spawnSync(process.execPath, args(out), { cwd: work, encoding: "utf8" });
  assert.equal(after.status, 0, after.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), [...expected.keys()].sort());
  assert.deepEqual(fs.readdirSync(work).filter((f) => f !== "node_modules"), ["out"], "staging folders of killed runs are removed");
  fs.rmSync(dir, { recursive: true, force: true });
});
