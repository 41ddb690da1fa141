// The printer (generator/emit/print/) lays modules out as prettier does: prettier, which is
// no dependency of the generator, leaves every generated module as it is. Checked on the
// committed modules (goldens, linux/generated, kernel/generated) and on modules generated here
// from the installed /usr/include headers (records of included headers, imports between modules).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import * as prettier from "prettier";
import { ModuleFile } from "#generator/emit/print/module-file.js";
import { CLI, ROOT } from "../helpers.js";

const COMMITTED = ["test/fixtures/golden", "linux/generated", "kernel/generated"];

/**
 * Installed headers with what the committed ones lack: asm/kvm.h's module, bitfields, strings,
 * and v4l2-controls.h's long member paths of 2-D arrays (a `+` chain as a call argument). */
const INSTALLED = ["kvm.h", "input.h", "fs.h", "gpio.h", "if_tun.h", "userfaultfd.h", "random.h", "v4l2-controls.h"];

function modules(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f))
    .sort();
}

async function assertStable(file: string): Promise<void> {
  const text = fs.readFileSync(file, "utf8");
  const formatted = await prettier.format(text, { parser: "typescript", printWidth: 100 });
  if (formatted === text) return;
  const a = text.split("\n");
  const b = formatted.split("\n");
  const at = a.findIndex((l, i) => l !== b[i]);
  assert.fail(`${file}: prettier changes line ${at + 1}:\n  ${a[at]}\n→ ${b[at]}`);
}

for (const dir of COMMITTED) {
  test(`prettier leaves ${dir}/ unchanged`, async () => {
    const files = modules(path.join(ROOT, dir));
    assert.ok(files.length >= 2);
    for (const f of files) await assertStable(f);
  });
}

test("prettier leaves modules generated from /usr/include unchanged", { skip: !fs.existsSync("/usr/include/linux/kvm.h") && "no /usr/include/linux" }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-stable-"));
  try {
    const headers = INSTALLED.map((h) => `/usr/include/linux/${h}`).filter((h) => fs.existsSync(h));
    const r = spawnSync(process.execPath, [CLI, "generate", "--quiet", "--arch", "x86_64", "--out", out, ...headers.flatMap((h) => ["--header", h])], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const files = modules(out);
    // Each header's module and calls, and the included headers' modules (asm/kvm.h).
    assert.ok(files.length > headers.length * 2, files.join(", "));
    for (const f of files) await assertStable(f);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("long variant tests, also in a nested conditional, are laid out as prettier does", async () => {
  const tests = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `V === ${from + i}`).join(" || ");
  const file = new ModuleFile();
  file.add(`export const A: number = V === 1 ? 32 : ${tests(2, 11)} ? 0 : 64;`);
  file.add(`export const B: number = ${tests(2, 12)} ? 0 : 64;`);
  file.add(`export const C: number = ${tests(1, 3)} ? 1 : ${tests(4, 14)} ? 2 : V === 15 ? 3 : 4;`);
  const text = file.print();
  assert.equal(await prettier.format(text, { parser: "typescript", printWidth: 100 }), text);
});
