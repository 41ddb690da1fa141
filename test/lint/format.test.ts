// The linter's three output formats, its exit codes, and generate --strict.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const SEED = "test/fixtures/lint/linux/seed.h";
const INCLUDES = ["-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"];
const lint = (...args: string[]) => spawnSync(process.execPath, [CLI, "lint", ...args], { cwd: ROOT, encoding: "utf8" });

test("text: gcc style with the source line under a gutter and a caret under the token; exit 1", () => {
  const r = lint(SEED, ...INCLUDES);
  assert.equal(r.status, 1);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], `${SEED}:39:20: warning: 'out_num_iovas' is not a member of 'struct iommu_ioas_iova_ranges'; did you mean 'num_iovas'? [stale-member-reference]`);
  assert.equal(lines[1], "   39 |  * is not allowed. out_num_iovas will be set to the total number of iovas and");
  assert.equal(lines[2], `      | ${" ".repeat(19)}^${"~".repeat("out_num_iovas".length - 1)}`);
});

test("text: display columns and the excerpt exactly as gcc prints them for a tab-indented line", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-gcc-"));
  fs.mkdirSync(path.join(dir, "linux"));
  // Line 5 is the same in both files: uapigen finds the undocumented member, gcc notes the
  // expansion of the macro the C file defines with its name.
  const tail = "struct s {\n\tint\tfoo_bar;\n};\n";
  fs.writeFileSync(path.join(dir, "linux", "s.h"), `/**\n * struct s - s\n */\n${tail}`);
  fs.writeFileSync(path.join(dir, "s.c"), `#define foo_bar 1\n/* */\n/* */\n${tail}`);
  const gcc = spawnSync("gcc", ["-fsyntax-only", "-fdiagnostics-color=never", "s.c"], { cwd: dir, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (gcc.error) {
    t.skip("gcc is not installed");
    return;
  }
  const ours = spawnSync(process.execPath, [CLI, "lint", "linux/s.h"], { cwd: dir, encoding: "utf8" }).stdout.split("\n");
  const theirs = gcc.stderr.split("\n");
  const at = theirs.findIndex((l) => l.startsWith("s.c:5:"));
  assert.equal(theirs[at], "s.c:5:17: note: in expansion of macro 'foo_bar'");
  assert.equal(ours[0], "linux/s.h:5:17: warning: struct member 'foo_bar' not described in 's' [undocumented-member]");
  assert.deepEqual(ours.slice(1, 3), theirs.slice(at + 1, at + 3));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("json: an array of {file, line, column, severity, rule, symbol, name, message, suggestion}", () => {
  const r = lint(SEED, ...INCLUDES, "--format", "json");
  assert.equal(r.status, 1);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[1], {
    file: SEED,
    line: 40,
    column: 8,
    severity: "warning",
    rule: "stale-member-reference",
    symbol: "struct iommu_ioas_iova_ranges",
    name: "out_valid_iovas",
    message: "'out_valid_iovas' is not a member of 'struct iommu_ioas_iova_ranges'; did you mean 'allowed_iovas'?",
    suggestion: "allowed_iovas",
  });
  assert.deepEqual(Object.keys(rows[2]!), ["file", "line", "column", "severity", "rule", "symbol", "name", "message", "suggestion"]);
  assert.equal(rows[2]!.suggestion, null);
});

test("sarif: a SARIF 2.1.0 log with the rules and one located result per finding", () => {
  const r = lint(SEED, ...INCLUDES, "--format", "sarif");
  assert.equal(r.status, 1);
  const log = JSON.parse(r.stdout) as {
    version: string;
    $schema: string;
    runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endColumn: number } } }[] }[] }[];
  };
  assert.equal(log.version, "2.1.0");
  assert.match(log.$schema, /sarif-schema-2\.1\.0\.json$/);
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, "uapigen");
  assert.deepEqual(run.tool.driver.rules.map((x) => x.id).sort(), ["excess-member-doc", "kerneldoc-name-mismatch", "malformed-kerneldoc", "not-kerneldoc-comment", "stale-member-reference", "undocumented-member", "unknown-reference", "unparsed-declaration"]);
  assert.equal(run.results.length, 4);
  const first = run.results[0]!;
  assert.equal(first.ruleId, "stale-member-reference");
  assert.equal(first.level, "warning");
  assert.deepEqual(first.locations[0]!.physicalLocation.artifactLocation.uri, SEED);
  assert.deepEqual(first.locations[0]!.physicalLocation.region, { startLine: 39, startColumn: 20, endLine: 39, endColumn: 33 });
});

test("exit codes: 0 clean, 2 for usage and input errors", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-lint-"));
  fs.mkdirSync(path.join(dir, "linux"));
  const clean = path.join(dir, "linux", "clean.h");
  fs.writeFileSync(clean, "/**\n * struct c - clean\n * @x: documented\n */\nstruct c { int x; };\n");
  const ok = lint(clean);
  assert.equal(ok.status, 0, ok.stdout);
  assert.equal(ok.stdout, "");
  assert.equal(lint(clean, "--format", "json").stdout, "[]\n");
  assert.equal(lint(path.join(dir, "missing.h")).status, 2);
  assert.equal(lint(clean, "--format", "xml").status, 2);
  fs.writeFileSync(clean, "struct c { unknown_t x; };\n");
  // A declaration that cannot be built is a located finding; the rest is still linted.
  const bad = lint(clean);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /clean\.h:1:12: warning: unknown type name 'unknown_t'; this declaration is not linted \[unparsed-declaration\]/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("generate shows the findings as warnings; --strict fails the run and writes nothing", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-strict-"));
  const gen = (...extra: string[]) => spawnSync(process.execPath, [CLI, "generate", "--header", SEED, "--out", out, ...INCLUDES, ...extra], { cwd: ROOT, encoding: "utf8" });
  const strict = gen("--strict");
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /seed\.h:39:20: warning: .*\[stale-member-reference\]/);
  assert.match(strict.stderr, /4 kerneldoc finding\(s\) with --strict; nothing was written/);
  assert.deepEqual(fs.readdirSync(out), []);
  const plain = gen();
  assert.equal(plain.status, 0);
  assert.match(plain.stderr, /seed\.h:88:15: warning: struct member 'num_iovas' not described in 'iommu_ioas_allow_iovas' \[undocumented-member\]/);
  assert.deepEqual(fs.readdirSync(out).sort(), ["seed-ioctls.ts", "seed.ts"]);
  // An unchanged re-run still shows them (kept with the stamp), and --strict still fails.
  assert.match(gen().stderr, /\[undocumented-member\]/);
  assert.equal(gen("--strict").status, 1);
  fs.rmSync(out, { recursive: true, force: true });
});
