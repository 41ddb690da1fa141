// One source for architectures: scripts/lib/abi-list.mjs lists the rows, and
// scripts/abi-facts.mjs generates generator/target/abi-rows.ts and runtime/arch-rows.ts from it.
// Without compilers: the committed files are exactly what the script renders from the list and
// from the rows' own data (whose sha256 the header records, so a hand-edited row fails), and the
// generator, the runtime and the cross compilers of test:arch name the same rows.
// `node scripts/abi-facts.mjs --check` (in npm run test:arch) compares against the compilers too.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Abi } from "#generator/target/abi-row.js";
import { ABI_ROWS } from "#generator/target/abi-rows.js";
import { ARCH_ROWS } from "#runtime/arch-rows.js";
import { selectArch } from "#runtime/arch.js";
import { ABI_LIST, CROSS_GCC } from "./arch/cross.js";
import { ROOT } from "./helpers.js";

interface AbiFacts {
  ABI_ROWS_FILE: string;
  ARCH_ROWS_FILE: string;
  renderAbiRows(rows: readonly Abi[], toolchains: Record<string, string>): string;
  renderArchRows(): string;
  readToolchains(text: string): Record<string, string>;
  rowsDigest(rows: readonly Abi[]): string;
  firstDifference(want: string, got: string): string;
}
const script = (await import(pathToFileURL(path.join(ROOT, "scripts", "abi-facts.mjs")).href)) as AbiFacts;
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** What is wrong with an abi-rows.ts text whose module has `rows`: empty when it is the script's own output. */
function abiRowsProblems(text: string, rows: readonly Abi[]): string[] {
  const problems: string[] = [];
  const toolchains = script.readToolchains(text);
  const missing = ABI_LIST.filter((row) => !toolchains[row.name]).map((row) => row.name);
  if (missing.length) problems.push(`no compiler named for ${missing.join(", ")}`);
  const recorded = /^\/\/ Rows sha256: (\w+)$/m.exec(text)?.[1];
  const digest = script.rowsDigest(rows);
  if (recorded !== digest) problems.push(`the header records rows sha256 ${recorded}, the rows give ${digest}: a row was edited by hand`);
  const want = script.renderAbiRows(rows, toolchains);
  if (want !== text) problems.push(`not the script's output: ${script.firstDifference(want, text)}`);
  return problems;
}

test("the list names each row once, with its compiler, package, triplet, byte order and qemu", () => {
  assert.equal(new Set(ABI_LIST.map((r) => r.name)).size, ABI_LIST.length);
  for (const row of ABI_LIST) {
    for (const field of ["gcc", "package", "triplet", "qemu"] as const) assert.match(row[field], /^[\w.+-]+$/, `${row.name}.${field}`);
    assert.ok(row.endian === "little" || row.endian === "big", row.name);
  }
  // process.arch and the byte order pick one row at most (ppc64 is both byte orders).
  const machines = ABI_LIST.filter((r) => r.nodeArch).map((r) => `${r.nodeArch}/${r.endian}`);
  assert.equal(new Set(machines).size, machines.length);
});

test("the generator's rows, the runtime's rows and the cross compilers are the list's rows", () => {
  const names = ABI_LIST.map((r) => r.name);
  assert.deepEqual(ABI_ROWS.map((r) => r.name), names);
  assert.deepEqual(ARCH_ROWS.map((r) => r.name), names);
  assert.deepEqual(Object.keys(CROSS_GCC), names);
  for (const [i, row] of ABI_LIST.entries()) {
    assert.equal(ABI_ROWS[i]!.triplet, row.triplet, row.name);
    assert.equal(ABI_ROWS[i]!.endian, row.endian, row.name);
    assert.equal(ARCH_ROWS[i]!.littleEndian, row.endian === "little", row.name);
    assert.equal(ARCH_ROWS[i]!.nodeArch, row.nodeArch, row.name);
    assert.equal(CROSS_GCC[row.name], row.gcc, row.name);
  }
  // The runtime takes every row, and no name without one (loongarch64 has none).
  for (const row of ABI_LIST) assert.equal(selectArchFor(row.name)?.littleEndian, row.endian === "little", row.name);
  assert.equal(selectArchFor("loongarch64"), undefined);
});

/** selectArch with UAPIGEN_ARCH=name for a module of that one row, or undefined when refused. */
function selectArchFor(name: string) {
  const saved = process.env.UAPIGEN_ARCH;
  process.env.UAPIGEN_ARCH = name;
  try {
    return selectArch("linux/x.h", { [name]: 0 });
  } catch {
    return undefined;
  } finally {
    if (saved === undefined) delete process.env.UAPIGEN_ARCH;
    else process.env.UAPIGEN_ARCH = saved;
  }
}

test("runtime/arch-rows.ts is what the script makes of the list", () => {
  const text = read(script.ARCH_ROWS_FILE);
  const want = script.renderArchRows();
  assert.ok(want === text, `${script.ARCH_ROWS_FILE}: run \`node scripts/abi-facts.mjs --write\`; ${script.firstDifference(want, text)}`);
});

test("generator/target/abi-rows.ts is what the script makes of its rows, whose sha256 it records", () => {
  const text = read(script.ABI_ROWS_FILE);
  assert.deepEqual(abiRowsProblems(text, ABI_ROWS), []);
});

test("a hand-edited row fails the check: the sha256 no longer matches", () => {
  const text = read(script.ABI_ROWS_FILE);
  // x86_64's `long` made 4 bytes, in the text and in the rows its module would then export.
  const edited = text.replace("      long: [8, 8],", "      long: [4, 4],");
  assert.notEqual(edited, text);
  const rows = structuredClone(ABI_ROWS);
  rows[0]!.types.long = [4, 4];
  const problems = abiRowsProblems(edited, rows);
  assert.match(problems.join("\n"), /a row was edited by hand/);
  assert.match(problems.join("\n"), /not the script's output: line \d+/);
  // A row added by hand, with no entry in the list, fails as well.
  assert.notDeepEqual(abiRowsProblems(text, [...ABI_ROWS, { ...ABI_ROWS[0]!, name: "loongarch64" }]), []);
});
