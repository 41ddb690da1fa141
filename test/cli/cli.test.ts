// The command line: --check names stale files and exits 1; layout --json prints exactly the
// layout the generator computed; the unchanged re-run is skipped by its stamp.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildHeader } from "#generator/model/build.js";
import { layoutReport, toJson } from "#generator/model/report.js";
import { CLI, header, ROOT, X86_64 } from "../helpers.js";

const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });

test("generate --check exits 1 and names the file that differs; without --check it rewrites it", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-check-"));
  const args = ["generate", "--header", "headers/7.3/linux/iommufd.h", "--out", out];
  assert.equal(run(args).status, 0);
  const file = path.join(out, "iommufd.ts");
  const good = fs.readFileSync(file, "utf8");
  fs.appendFileSync(file, "// edited by hand\n");
  const check = run([...args, "--check"]);
  assert.equal(check.status, 1);
  assert.ok(check.stderr.endsWith(`${file}: differs from what uapigen generates\n`), check.stderr);
  // The stamp notices the edited output and regenerates.
  assert.equal(run(args).status, 0);
  assert.equal(fs.readFileSync(file, "utf8"), good);
  const again = run(args);
  assert.match(again.stdout, /^up to date/);
  fs.rmSync(out, { recursive: true, force: true });
});

test("layout --json prints the generator's layout exactly", () => {
  const r = run(["layout", "headers/7.3/linux/vfio.h", "--json", "--arch", "x86_64"]);
  assert.equal(r.status, 0, r.stderr);
  const built = buildHeader(header("7.3", "vfio.h"), { abi: X86_64 });
  assert.equal(r.stdout, `${toJson(layoutReport(built.model, built.layout))}\n`);
  const parsed = JSON.parse(r.stdout) as { arch: string; structs: Record<string, { fields: Record<string, { offset: number }> }> };
  assert.equal(parsed.arch, "x86_64");
  assert.equal(parsed.structs.vfio_region_info!.fields.offset!.offset, 24);
});

test("an unknown architecture is a usage error", () => {
  const r = run(["layout", "headers/7.3/linux/vfio.h", "--arch", "vax"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown architecture .vax. \(known: x86_64, i386, aarch64, .*hppa\)/);
});

test("--out that is a file and a --runtime that is no package name are usage errors, with nothing written", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-args-"));
  const args = ["generate", "--header", header("7.3", "iommufd.h"), "--arch", "x86_64", "-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];
  fs.writeFileSync(path.join(dir, "afile"), "mine");
  const file = run([...args, "--out", path.join(dir, "afile")]);
  assert.equal(file.status, 2, file.stderr);
  assert.equal(file.stderr, `uapigen: error: --out ${path.join(dir, "afile")} is not a directory [usage]\n`);
  assert.equal(fs.readFileSync(path.join(dir, "afile"), "utf8"), "mine");
  for (const runtime of ["", "Not A Package", "@scope/"]) {
    const bad = run([...args, "--out", path.join(dir, "gen"), "--runtime", runtime]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.equal(bad.stderr, `uapigen: error: --runtime '${runtime}' is neither an npm package name nor a path (./, ../, / or file:) [usage]\n`);
  }
  assert.equal(fs.existsSync(path.join(dir, "gen")), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--version prints uapigen's version", () => {
  const r = run(["--version"]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), (JSON.parse(fs.readFileSync(path.join(ROOT, "generator", "package.json"), "utf8")) as { version: string }).version);
});

test("generate warns when the runtime the modules import is not installed where they are", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-runtime-"));
  const args = ["generate", "--header", header("7.3", "iommufd.h"), "--arch", "x86_64", "-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];
  const outside = run([...args, "--out", path.join(dir, "gen")]);
  assert.equal(outside.status, 0, outside.stderr);
  assert.match(outside.stderr, /^uapigen: warning: the generated modules import '@uapigen\/runtime', which is not installed where they are: npm install @uapigen\/runtime \[runtime-missing\]$/m);
  assert.match(fs.readFileSync(path.join(dir, "gen", "iommufd.ts"), "utf8"), /from "@uapigen\/runtime\/codec";/);
  // Inside the workspace the package resolves (node_modules/@uapigen/runtime): no warning.
  const inside = fs.mkdtempSync(path.join(ROOT, "dist", "gen-"));
  const found = run([...args, "--out", inside]);
  assert.doesNotMatch(found.stderr, /runtime-missing/);
  // Another package, or a path (not checked: the caller's to get right).
  const other = run([...args, "--out", path.join(dir, "other"), "--runtime", "../rt"]);
  assert.doesNotMatch(other.stderr, /runtime-missing/);
  assert.match(fs.readFileSync(path.join(dir, "other", "iommufd-ioctls.ts"), "utf8"), /from "\.\.\/rt\/codegen\.js";/);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(inside, { recursive: true, force: true });
});

test("the config file is validated: unknown keys and wrong types are located errors naming the key", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-config-"));
  const inDir = (config: string) => {
    fs.writeFileSync(path.join(dir, "uapigen.config.json"), config);
    return spawnSync(process.execPath, [CLI, "generate"], { cwd: dir, encoding: "utf8" });
  };
  const unknown = inDir('{\n  "headers": ["a.h"],\n  "outt": "x"\n}\n');
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, "uapigen.config.json:3:3: error: unknown key 'outt' (it takes headers, out, includeDirs, overrides, runtime, abiBaseline, arches) [config]\n");
  const type = inDir('{\n  "headers": "a.h"\n}\n');
  assert.equal(type.stderr, "uapigen.config.json:2:3: error: 'headers': Invalid input: expected array, received string [config]\n");
  const arch = inDir('{ "arches": ["x86"] }');
  assert.match(arch.stderr, /^uapigen\.config\.json:1:3: error: 'arches\.0': Invalid option: expected one of "x86_64"\|"i386"/);
  assert.equal(fs.readdirSync(dir).length, 1, "nothing written");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("names that clash are a located error and leave --out as it was", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-clash-"));
  try {
    fs.mkdirSync(path.join(dir, "linux"));
    // Two structs a case apart give one Init and View name; a struct TypeScript reserves.
    const headers = {
      "case.h": "#include <linux/types.h>\nstruct h_pair { __u32 a; };\nstruct h_Pair { __u32 c; };\n",
      "reserved.h": "#include <linux/types.h>\nstruct delete { __u32 x; };\n",
    };
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "case.ts"), "// the user's file\n");
    const expected = {
      "case.h": /linux\/case\.h:3:1: error: the Init type of struct h_Pair and the Init type of struct h_pair \(case\.h:2\) would both be called 'HPairInit' in the generated module \[name-clash\]/,
      "reserved.h": /linux\/reserved\.h:2:1: error: struct delete would be called 'delete', which TypeScript reserves \[name-clash\]/,
    };
    for (const [name, text] of Object.entries(headers)) {
      fs.writeFileSync(path.join(dir, "linux", name), text);
      const r = run(["generate", "--arch", "x86_64", "--header", path.join(dir, "linux", name), "--out", out, "-I", dir, "-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, expected[name as keyof typeof expected]);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    assert.deepEqual(fs.readdirSync(out), ["case.ts"]);
    assert.equal(fs.readFileSync(path.join(out, "case.ts"), "utf8"), "// the user's file\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
