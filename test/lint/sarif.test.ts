// SARIF output: file URIs relative to the base (--base-uri, default the working directory) or
// absolute file:// URIs outside it, every rule's metadata, and a log that the official SARIF
// 2.1.0 schema and the SARIF Multitool's validator both accept.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { RULE_IDS, RULES } from "#generator/lint/findings.js";
import { CLI, ROOT } from "../helpers.js";

const SEED = "test/fixtures/lint/linux/seed.h";
const INCLUDES = ["-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"];
const require = createRequire(import.meta.url);

interface Log {
  runs: {
    originalUriBaseIds: Record<string, { uri: string }>;
    artifacts: { location: { uri: string; uriBaseId?: string } }[];
    tool: { driver: { rules: Record<string, unknown>[] } };
    results: { ruleId: string; ruleIndex: number; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[];
  }[];
}

function sarif(cwd: string, ...args: string[]): { text: string; log: Log } {
  const r = spawnSync(process.execPath, [CLI, "lint", path.join(ROOT, SEED), ...INCLUDES.map((a) => (a === "-I" ? a : path.join(ROOT, a))), "--format", "sarif", ...args], { cwd, encoding: "utf8" });
  assert.equal(r.status, 1, r.stderr);
  return { text: r.stdout, log: JSON.parse(r.stdout) as Log };
}

/** Each result's artifact location, without the artifacts index node-sarif-builder adds. */
const uris = (log: Log) =>
  log.runs[0]!.results.map((r) => {
    const { index: _, ...loc } = r.locations[0]!.physicalLocation.artifactLocation as { uri: string; uriBaseId?: string; index?: number };
    return loc;
  });

test("files below the working directory are URIs relative to %SRCROOT%, the working directory", () => {
  const { log } = sarif(ROOT);
  assert.deepEqual(log.runs[0]!.originalUriBaseIds, { "%SRCROOT%": { uri: `${pathToFileURL(ROOT).href}/` } });
  for (const loc of uris(log)) assert.deepEqual(loc, { uri: SEED, uriBaseId: "%SRCROOT%" });
  assert.deepEqual(log.runs[0]!.artifacts.map((a) => a.location), [{ uri: SEED, uriBaseId: "%SRCROOT%" }]);
});

test("--base-uri: relative to that directory; files outside it are absolute file:// URIs", () => {
  // A working directory of its own: the checkout itself may lie under the temp directory.
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-sarif-cwd-"));
  const below = sarif(elsewhere, "--base-uri", pathToFileURL(path.join(ROOT, "test", "fixtures")).href).log;
  assert.equal(below.runs[0]!.originalUriBaseIds["%SRCROOT%"]!.uri, `${pathToFileURL(path.join(ROOT, "test", "fixtures")).href}/`);
  for (const loc of uris(below)) assert.deepEqual(loc, { uri: "lint/linux/seed.h", uriBaseId: "%SRCROOT%" });
  // A directory path is taken as its file:// URI.
  assert.deepEqual(uris(sarif(elsewhere, "--base-uri", path.join(ROOT, "test")).log)[0], { uri: "fixtures/lint/linux/seed.h", uriBaseId: "%SRCROOT%" });
  const outside = sarif(elsewhere).log;
  for (const loc of uris(outside)) assert.deepEqual(loc, { uri: pathToFileURL(path.join(ROOT, SEED)).href });
  const bad = spawnSync(process.execPath, [CLI, "lint", SEED, "--format", "sarif", "--base-uri", "https://example.org/linux/"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--base-uri 'https:\/\/example\.org\/linux\/' is not a file:\/\/ URI/);
});

test("every rule has an id, name, short and full description, help text and default level", () => {
  const { log } = sarif(ROOT);
  const rules = log.runs[0]!.tool.driver.rules;
  assert.deepEqual(rules.map((r) => r.id), RULE_IDS);
  for (const [i, id] of RULE_IDS.entries()) {
    const rule = RULES[id];
    assert.deepEqual(rules[i], {
      id,
      name: rule.name,
      shortDescription: { text: rule.short },
      fullDescription: { text: rule.full },
      help: { text: rule.help },
      defaultConfiguration: { level: "warning" },
    });
    assert.match(rule.name, /^[A-Z][A-Za-z]+$/);
    for (const text of [rule.short, rule.full, rule.help]) assert.match(text, /\.$/, `${id}: ${text}`);
  }
  for (const r of log.runs[0]!.results) assert.equal(RULE_IDS[r.ruleIndex], r.ruleId);
});

test("the official SARIF 2.1.0 schema accepts the log (Ajv, draft-04)", () => {
  const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
  const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "sarif", "sarif-schema-2.1.0.json"), "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  for (const cwd of [ROOT, fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-sarif-cwd-"))]) {
    const { log } = sarif(cwd);
    assert.ok(validate(log), ajv.errorsText(validate.errors));
  }
  // The validator does reject what the schema forbids.
  const { log } = sarif(ROOT);
  (log.runs[0]!.results[0] as { level?: string }).level = "fatal";
  assert.equal(validate(log), false);
});

test("the SARIF Multitool's validate reports no errors", () => {
  const tool = require.resolve("@microsoft/sarif-multitool-linux/Sarif.Multitool");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-sarif-"));
  const inside = path.join(dir, "inside.sarif");
  const outside = path.join(dir, "outside.sarif");
  fs.writeFileSync(inside, sarif(ROOT).text);
  fs.writeFileSync(outside, sarif(fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-sarif-cwd-"))).text);
  // A control the validator must reject (a base URI without its trailing slash): proof it ran.
  const control = path.join(dir, "control.sarif");
  fs.writeFileSync(control, sarif(ROOT).text.replace(`${pathToFileURL(ROOT).href}/"`, `${pathToFileURL(ROOT).href}"`));
  const report = path.join(dir, "report.sarif");
  const r = spawnSync(tool, ["validate", inside, outside, control, "--output", report, "--log", "ForceOverwrite"], { encoding: "utf8" });
  assert.equal(r.error, undefined);
  const results = (JSON.parse(fs.readFileSync(report, "utf8")) as { runs: { results: { ruleId: string; level?: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }).runs[0]!.results;
  const errors = results.filter((x) => (x.level ?? "warning") === "error").map((x) => ({ rule: x.ruleId, file: path.basename(decodeURIComponent(x.locations[0]!.physicalLocation.artifactLocation.uri)) }));
  assert.deepEqual(errors, [{ rule: "SARIF1004", file: "control.sarif" }]);
  fs.rmSync(dir, { recursive: true, force: true });
});
