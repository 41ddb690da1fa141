// Rule selection on the command line: --rule (only these), --no-rule (all but these), and
// unknown ids as usage errors with a suggestion; generate --quiet leaves the findings out.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const SEED = "test/fixtures/lint/linux/seed.h";
const INCLUDES = ["-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"];
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
const rules = (...args: string[]) => {
  const r = run("lint", SEED, ...INCLUDES, "--format", "json", ...args);
  return { status: r.status, rules: (JSON.parse(r.stdout) as { rule: string }[]).map((f) => f.rule) };
};

test("--rule reports only the rules named; --no-rule all but those", () => {
  assert.deepEqual(rules().rules, ["stale-member-reference", "stale-member-reference", "undocumented-member", "undocumented-member"]);
  assert.deepEqual(rules("--rule", "undocumented-member"), { status: 1, rules: ["undocumented-member", "undocumented-member"] });
  assert.deepEqual(rules("--rule", "undocumented-member", "--rule", "stale-member-reference").rules.length, 4);
  assert.deepEqual(rules("--no-rule", "undocumented-member"), { status: 1, rules: ["stale-member-reference", "stale-member-reference"] });
  // Nothing left to report is a clean run.
  assert.deepEqual(rules("--no-rule", "undocumented-member", "--no-rule", "stale-member-reference"), { status: 0, rules: [] });
  assert.deepEqual(rules("--rule", "excess-member-doc"), { status: 0, rules: [] });
});

test("an unknown rule id is a usage error, with the nearest id when it is a misspelling", () => {
  const typo = run("lint", SEED, "--no-rule", "undocumented-membr");
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /--no-rule: unknown rule 'undocumented-membr'; did you mean 'undocumented-member'\?/);
  const other = run("lint", SEED, "--rule", "xyzzy");
  assert.equal(other.status, 2);
  assert.doesNotMatch(other.stderr, /did you mean/);
  assert.match(other.stderr, /\(rules: undocumented-member, excess-member-doc, .*malformed-kerneldoc\)/);
});

test("generate --quiet prints no kerneldoc findings; other warnings and --strict's count remain", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-quiet-"));
  fs.mkdirSync(path.join(dir, "linux"));
  // An undocumented member (a finding) and a define uapigen cannot evaluate (not a finding).
  fs.writeFileSync(path.join(dir, "linux", "q.h"), "/**\n * struct q - q\n */\nstruct q { int x; };\n#define Q_SIZE sizeof(struct missing)\n");
  const gen = (...extra: string[]) => spawnSync(process.execPath, [CLI, "generate", "--header", "linux/q.h", "--out", "gen", "--arch", "x86_64", "--runtime", "../runtime", ...extra], { cwd: dir, encoding: "utf8" });
  const loud = gen();
  assert.equal(loud.status, 0, loud.stderr);
  assert.match(loud.stderr, /\[undocumented-member\]/);
  assert.match(loud.stderr, /\[unevaluated-define\]/);
  // The second run is the stamp's: it keeps both texts.
  for (const quiet of [gen("--quiet"), gen("-q")]) {
    assert.equal(quiet.status, 0);
    assert.doesNotMatch(quiet.stderr, /\[undocumented-member\]|\| +\^/);
    assert.match(quiet.stderr, /linux\/q\.h:5:9: warning: 'Q_SIZE' is not emitted: .*\[unevaluated-define\]/);
  }
  const strict = gen("--quiet", "--strict");
  assert.equal(strict.status, 1);
  assert.doesNotMatch(strict.stderr, /\[undocumented-member\]/);
  assert.match(strict.stderr, /1 kerneldoc finding\(s\) with --strict; nothing was written/);
  fs.rmSync(dir, { recursive: true, force: true });
});
