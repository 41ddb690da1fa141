// Golden tests: what uapigen generates now is byte-identical to what is committed, for the
// real headers (generated/) and the constructs fixture.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

export const FIXTURE_GENERATE = [
  "generate", "--header", "test/fixtures/linux/constructs.h", "--out", "test/fixtures/golden",
  "-I", "test/fixtures", "-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu",
  "--runtime-import", "../../../runtime/codec.js",
];

test("generated/ is what `uapigen generate` produces from headers/", () => {
  const r = spawnSync(process.execPath, [CLI, "generate", "--check"], { cwd: ROOT, encoding: "utf8" });
  // stderr carries the headers' kerneldoc warnings (test/lint), never a stale file.
  assert.doesNotMatch(r.stderr, /differs from what uapigen generates/);
  assert.equal(r.status, 0);
});

test("the constructs fixture generates its golden module", () => {
  const r = spawnSync(process.execPath, [CLI, ...FIXTURE_GENERATE, "--check"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
});

test("generation is deterministic: two full runs give identical bytes", () => {
  const run = () => execFileSync(process.execPath, [CLI, "generate", "--check"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(run(), run());
});
