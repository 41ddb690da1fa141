// `uapigen abi` on the command line: exit 1 when something breaks, 0 otherwise, 2 on usage
// errors; text, JSON and SARIF output.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { CLI, ROOT } from "../helpers.js";

const fixture = (name: string, side: string) => path.join("test", "fixtures", "abi", name, side, "linux", "x.h");
const abi = (...args: string[]) => spawnSync(process.execPath, [CLI, "abi", ...args], { cwd: ROOT, encoding: "utf8" });
const I = ["-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"];
const require = createRequire(import.meta.url);

test("a breaking change exits 1 and prints gcc-style lines", () => {
  const r = abi(fixture("enumerator-value", "old"), fixture("enumerator-value", "new"), ...I, "--arch", "x86_64", "--arch", "i386");
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, "test/fixtures/abi/enumerator-value/new/linux/x.h:10:2: error: enum x_mode: enumerator X_MODE_B 2 → 3 (on all rows) [enumerator-value]\n");
});

test("an extension alone exits 0; JSON and SARIF carry the finding", () => {
  const args = [fixture("tail-with-size", "old"), fixture("tail-with-size", "new"), ...I, "--arch", "arm"];
  const json = abi(...args, "--format", "json");
  assert.equal(json.status, 0, json.stderr);
  const [f] = JSON.parse(json.stdout);
  assert.equal(f.class, "extension");
  assert.equal(f.rule, "member-added-tail");
  assert.deepEqual(f.rows, ["arm"]);
  const sarif = abi(...args, "--format", "sarif");
  assert.equal(sarif.status, 0, sarif.stderr);
  const log = JSON.parse(sarif.stdout);
  assert.equal(log.runs[0].results[0].ruleId, "member-added-tail");
  assert.equal(log.runs[0].results[0].level, "note");
  assert.ok(log.runs[0].tool.driver.rules.some((r: { id: string }) => r.id === "request-number"));
});

test("usage errors exit 2", () => {
  assert.equal(abi(fixture("signedness", "old"), "no/such/file.h").status, 2);
  assert.equal(abi(fixture("signedness", "old"), fixture("signedness", "new"), "--arch", "vax").status, 2);
  assert.equal(abi(fixture("signedness", "old"), path.join("test", "fixtures", "abi", "tree", "new")).status, 2);
  assert.equal(abi(fixture("signedness", "old")).status, 2);
});

test("a header that cannot be built is a located finding, not a crash; nothing compared exits 2", () => {
  const r = abi(path.join("test", "fixtures", "abi", "unbuildable", "old", "linux", "x.h"), path.join("test", "fixtures", "abi", "unbuildable", "new", "linux", "x.h"), ...I, "--arch", "x86_64");
  // The only pair could not be compared: not "nothing breaks" (0) but an input error (2).
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /^test\/fixtures\/abi\/unbuildable\/new\/linux\/x\.h:5:2: warning: linux\/x\.h cannot be built in the new version, so it is not compared: .* \(on x86_64\) \[unbuildable\]\n$/);
  assert.equal(r.stderr, "uapigen: error: no header could be built in both versions, so nothing was compared [unbuildable]\n");
});

test("hostile input: two folders without headers, and a file that is no C, are errors (exit 2)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-abi-empty-"));
  try {
    for (const d of ["a", "b"]) fs.mkdirSync(path.join(dir, d));
    const empty = abi(path.join(dir, "a"), path.join(dir, "b"));
    assert.equal(empty.status, 2, empty.stderr);
    assert.match(empty.stderr, /no linux\/\*\.h or <triplet>\/asm\/\*\.h in .* \[usage\]/);
    fs.writeFileSync(path.join(dir, "bin.h"), fs.readFileSync(process.execPath).subarray(0, 300));
    const binary = abi(path.join(dir, "bin.h"), path.join(dir, "bin.h"), "--arch", "x86_64");
    assert.equal(binary.status, 2, binary.stderr);
    assert.match(binary.stdout, /bin\.h:1:1: warning: bin\.h cannot be built in either version, so it is not compared: .*\[unbuildable\]\n$/);
    assert.doesNotMatch(binary.stderr, /at .*\.js:\d+/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the SARIF log of a breaking run passes the official SARIF 2.1.0 schema", () => {
  const r = abi(fixture("iow-grows", "old"), fixture("iow-grows", "new"), ...I, "--format", "sarif");
  assert.equal(r.status, 1, r.stderr);
  const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
  const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "sarif", "sarif-schema-2.1.0.json"), "utf8")) as object);
  const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
  assert.ok(validate(log), ajv.errorsText(validate.errors));
  assert.deepEqual(log.runs[0]!.results.map((x: { ruleId: string; level: string }) => `${x.level} ${x.ruleId}`), ["error record-size", "error request-number", "error request-number"]);
  assert.equal(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri, "test/fixtures/abi/iow-grows/new/linux/x.h");
});

test("--against compares headers with those of the same include name in a baseline tree", () => {
  const baseline = path.join("test", "fixtures", "abi", "iow-grows", "old");
  const r = abi("--against", baseline, fixture("iow-grows", "new"), ...I, "--arch", "x86_64");
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^test\/fixtures\/abi\/iow-grows\/new\/linux\/x\.h:13:9: error: X_SET: request 0x40047801 → 0x40087801 .*\[request-number\]$/m);
  // A header the baseline lacks is an addition; one path without --against is a usage error.
  const added = abi("--against", "headers/6.12", "headers/7.3/linux/iommufd.h", ...I, "--arch", "x86_64", "--format", "json");
  assert.equal(added.status, 0, added.stderr);
  const [only] = JSON.parse(abi("--against", path.join("test", "fixtures", "abi", "tree", "old"), "headers/7.3/linux/iommufd.h", ...I, "--arch", "x86_64", "--format", "json").stdout);
  assert.equal(`${only.rule} ${only.header}`, "header-added linux/iommufd.h");
  assert.equal(abi(fixture("iow-grows", "new")).status, 2);
});

test("generate --abi-baseline prints what changed since the baseline; --strict fails on a break", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-abi-gen-"));
  try {
    const gen = (...extra: string[]) =>
      spawnSync(process.execPath, [CLI, "generate", "--header", fixture("iow-grows", "new"), "--out", out, ...I, "--arch", "x86_64", "--quiet", "--abi-baseline", path.join("test", "fixtures", "abi", "iow-grows", "old"), ...extra], { cwd: ROOT, encoding: "utf8" });
    const r = gen();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[request-number\]\n/);
    assert.match(r.stderr, /since test\/fixtures\/abi\/iow-grows\/old: 2 breaking \(record-size 1, request-number 1\); 0 compatible extension\(s\); 0 to review\n/);
    assert.equal(gen("--strict").status, 1);
    // A baseline that is no folder is refused before anything is generated.
    const fresh = path.join(out, "fresh");
    const bad = spawnSync(process.execPath, [CLI, "generate", "--header", fixture("iow-grows", "new"), "--out", fresh, ...I, "--arch", "x86_64", "--quiet", "--abi-baseline", "no/such/dir"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(bad.status, 2, bad.stderr);
    assert.equal(bad.stderr, "uapigen: error: the ABI baseline must be an include directory: no/such/dir [usage]\n");
    assert.equal(fs.existsSync(fresh), false);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("generate --abi-baseline compares on the rows generate served, with its include path", { skip: !fs.existsSync("/usr/include/linux/vfio.h") && "no /usr/include/linux" }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-abi-rows-"));
  try {
    // /usr/include has asm/ headers for this machine's row only: generate serves that row, and
    // the header against itself is no change at all (no [unbuildable] on the other rows).
    const r = spawnSync(process.execPath, [CLI, "generate", "--header", "/usr/include/linux/vfio.h", "--out", "gen", "--quiet", "--abi-baseline", "/usr/include"], { cwd: out, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /unbuildable/);
    assert.match(r.stderr, /since \/usr\/include: 0 breaking; 0 compatible extension\(s\); 0 to review\n/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
