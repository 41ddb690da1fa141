// The command line: --check names stale files and exits 1; layout --json prints exactly the
// layout the generator computed; the unchanged re-run is skipped by its stamp.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildHeader } from "../../generator/model/build.js";
import { layoutReport, toJson } from "../../generator/model/report.js";
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
