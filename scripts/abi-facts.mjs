#!/usr/bin/env node
// Reads each ABI row of scripts/lib/abi-list.mjs off its cross compiler and writes the two files
// made from that list: generator/target/abi-rows.ts (the generator's rows: type sizes and
// alignments, as symbol sizes of char arrays read with the toolchain's own nm, so nothing runs on
// the target; byte order; char signedness; the predefined macros the asm/ headers test; the _IOC
// layout of the architecture's asm/ioctl.h) and runtime/arch-rows.ts (what the runtime needs to
// pick a row at load time: name, Node's process.arch, byte order).
//   node scripts/abi-facts.mjs --write        regenerate both files (needs every gcc-<triplet>)
//   node scripts/abi-facts.mjs --check        regenerate in memory and compare; exit 1 on a difference
//   node scripts/abi-facts.mjs [name...]      print the facts of some rows as JSON lines
// Without compilers, test/abi-list.test.ts (npm test) checks the committed files against the list.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ABI_LIST, abiListRow } from "./lib/abi-list.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ABI_ROWS_FILE = "generator/target/abi-rows.ts";
export const ARCH_ROWS_FILE = "runtime/arch-rows.ts";
export const COMMAND = "node scripts/abi-facts.mjs --write";

const TYPES = {
  _Bool: "_Bool", char: "char", "signed char": "signed char", "unsigned char": "unsigned char",
  short: "short", "unsigned short": "unsigned short", int: "int", "unsigned int": "unsigned int",
  long: "long", "unsigned long": "unsigned long", "long long": "long long", "unsigned long long": "unsigned long long",
  __int128: "__int128", "unsigned __int128": "unsigned __int128",
  float: "float", double: "double", "long double": "long double", pointer: "void *",
};
/** The IocLayout fields and the asm/ioctl.h macro each is read from (+1: _IOC_NONE may be 0). */
const IOC = { nrBits: "_IOC_NRBITS", typeBits: "_IOC_TYPEBITS", sizeBits: "_IOC_SIZEBITS", dirBits: "_IOC_DIRBITS", none: "_IOC_NONE", write: "_IOC_WRITE", read: "_IOC_READ" };

const MACRO = /^(__[a-z0-9_]+__|__(i386|x86_64|amd64|aarch64|arm|ARM_\w+|ARMEL|ARMEB|AARCH64EL|powerpc\w*|PPC\w*|ppc\w*|s390\w*|sparc\w*|riscv\w*|alpha\w*|hppa\w*|mips\w*|MIPS\w+)|_MIPS_\w+|_ABI\w+|__ILP32__|__LP64__|_LP64|_ILP32|__BIG_ENDIAN__|__LITTLE_ENDIAN__|_BIG_ENDIAN|_LITTLE_ENDIAN|__ORDER_\w+__|__BYTE_ORDER__|__FLOAT_WORD_ORDER__|__SIZEOF_\w+__|__CHAR_UNSIGNED__|__BIGGEST_ALIGNMENT__|__CHAR_BIT__|__ELF__|__linux__|__linux|__unix__|__unix|__GNUC__|__GNUC_MINOR__|__STDC__|__STDC_VERSION__|__STDC_HOSTED__)$/;
const SKIP = /^__(FLT|DBL|LDBL|FP_|DEC|GCC_|SIZEOF_FLOAT\d|VERSION|OPTIMIZE|NO_INLINE|REGISTER_PREFIX|USER_LABEL|OPTIMIZE|FINITE|PIC|pic|PIE|pie|SSP|CET|SEG_|code_model|ATOMIC|SCHAR|SHRT|INT|LONG|WCHAR|WINT|PTRDIFF|SIZE_|INTMAX|UINTMAX|SIG_ATOMIC|INT8|INT16|INT32|INT64|UINT|INTPTR|UINTPTR|CHAR16|CHAR32|BFLT|HAVE|PRAGMA|STRICT|EXCEPTIONS|SSE|MMX|FXSR|SEG|k8|K8|tune|FP_FAST|LONG_LONG|float|NEXT)/;
/** A fixed collation, so the macro order does not depend on the locale the script runs in. */
const byName = new Intl.Collator("en").compare;

function listRow(name) {
  const row = abiListRow(name);
  if (!row) throw new Error(`no ABI row '${name}' in scripts/lib/abi-list.mjs (known: ${ABI_LIST.map((r) => r.name).join(", ")})`);
  return row;
}

/** One row's facts, in the order of the Abi interface (generator/target/abi-row.ts). */
export function facts(name) {
  const t = listRow(name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uapigen-abi-${name}-`));
  try {
    const src = path.join(dir, "facts.c");
    const lines = ["#include <asm/ioctl.h>"];
    for (const [k, c] of Object.entries(TYPES)) {
      const id = k.replace(/\W+/g, "_");
      lines.push(`#if defined(__SIZEOF_INT128__) || !${k.includes("int128") ? 1 : 0}`, `char size_${id}[sizeof(${c})]; char align_${id}[_Alignof(${c})];`, "#endif");
    }
    lines.push("char biggest[__BIGGEST_ALIGNMENT__];", "char char_signed[(char)-1 < 0 ? 2 : 1];");
    for (const [k, macro] of Object.entries(IOC)) lines.push(`char ioc_${k}[${macro} + 1];`);
    fs.writeFileSync(src, lines.join("\n") + "\n");
    const obj = path.join(dir, "facts.o");
    execFileSync(t.gcc, ["-c", "-fno-common", src, "-o", obj]);
    const nm = t.gcc.replace(/gcc$/, "nm");
    const syms = new Map();
    for (const line of execFileSync(nm, ["-S", obj], { encoding: "utf8" }).split("\n")) {
      const m = /^[0-9a-f]+ ([0-9a-f]+) \w (\w+)$/.exec(line.trim());
      if (m) syms.set(m[2], parseInt(m[1], 16));
    }
    const types = {};
    for (const k of Object.keys(TYPES)) {
      const id = k.replace(/\W+/g, "_");
      if (syms.has(`size_${id}`)) types[k] = [syms.get(`size_${id}`), syms.get(`align_${id}`)];
    }
    const ioc = Object.fromEntries(Object.keys(IOC).map((k) => [k, syms.get(`ioc_${k}`) - 1]));
    const dm = execFileSync(t.gcc, ["-dM", "-E", "-x", "c", "/dev/null"], { encoding: "utf8" });
    const predefined = {};
    for (const m of dm.matchAll(/^#define (\w+) (.*)$/gm)) if (MACRO.test(m[1]) && !SKIP.test(m[1])) predefined[m[1]] = m[2];
    const endian = /__BYTE_ORDER__ __ORDER_BIG_ENDIAN__/.test(dm) ? "big" : "little";
    if (endian !== t.endian) throw new Error(`${name}: ${t.gcc} is ${endian}-endian; scripts/lib/abi-list.mjs says ${t.endian}`);
    return {
      name,
      triplet: t.triplet,
      endian,
      types,
      charSigned: syms.get("char_signed") === 2,
      biggestAlignment: syms.get("biggest"),
      ioc,
      predefined: Object.fromEntries(Object.entries(predefined).sort(([a], [b]) => byName(a, b))),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Which compiler read a row: its version, and the Debian package and version that installed it. */
export function toolchain(name) {
  const { gcc } = listRow(name);
  const version = execFileSync(gcc, ["-dumpfullversion"], { encoding: "utf8" }).trim();
  let from = "not from a Debian package";
  try {
    const bin = fs.realpathSync(execFileSync("sh", ["-c", `command -v ${gcc}`], { encoding: "utf8" }).trim());
    const pkg = execFileSync("dpkg", ["-S", bin], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split(":")[0].trim();
    from = `Debian ${pkg} ${execFileSync("dpkg-query", ["-W", "-f", "$" + "{Version}", pkg], { encoding: "utf8" }).trim()}`;
  } catch {
    // no dpkg, or a compiler dpkg does not know: say so
  }
  return `${gcc} ${version} (${from})`;
}

/** sha256 of the rows as data: the generated header records it, so a hand edit shows without compilers. */
export const rowsDigest = (rows) => createHash("sha256").update(JSON.stringify(rows)).digest("hex");

// ---- Rendering: the generated text is a function of the list, the facts and the compilers' names.

const IOC_LAYOUTS = [
  ["GENERIC_IOC", null, { nrBits: 8, typeBits: 8, sizeBits: 14, dirBits: 2, none: 0, write: 1, read: 2 }],
  ["THREE_DIR_BITS_IOC", "powerpc, mips, sparc and alpha: 13 size bits, 3 direction bits, _IOC_NONE = 1.", { nrBits: 8, typeBits: 8, sizeBits: 13, dirBits: 3, none: 1, write: 4, read: 2 }],
  ["PARISC_IOC", "parisc swaps the read and write bits.", { nrBits: 8, typeBits: 8, sizeBits: 14, dirBits: 2, none: 0, write: 2, read: 1 }],
];
const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
const str = (s) => (s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s));
const inline = (o) => `{ ${Object.entries(o).map(([k, v]) => `${key(k)}: ${typeof v === "string" ? str(v) : v}`).join(", ")} }`;
const sameIoc = (a, b) => Object.keys(IOC).every((k) => a[k] === b[k]);

const GENERATED = (what) => [
  `// Generated by \`${COMMAND}\` from scripts/lib/abi-list.mjs; do not edit.`,
  ...what,
];

/** The text of generator/target/abi-rows.ts. `toolchains` names the compiler of each row. */
export function renderAbiRows(rows, toolchains) {
  const width = Math.max(...rows.map((r) => r.name.length));
  const out = GENERATED([
    "// One row per entry of the list, read off that row's cross compiler: type sizes and",
    "// alignments, byte order, char signedness, predefined macros, and the _IOC layout of its",
    "// asm/ioctl.h. Adding an architecture is adding an entry to the list and running the command.",
    "// The compilers:",
    ...rows.map((r) => `//   ${r.name.padEnd(width)}  ${toolchains[r.name]}`),
    `// Rows sha256: ${rowsDigest(rows)}`,
    "// npm test recomputes the sha256 (test/abi-list.test.ts); `node scripts/abi-facts.mjs --check`",
    "// (in npm run test:arch) reads the rows off the compilers again and compares.",
    'import type { Abi } from "./abi-row.js";',
    "",
  ]);
  const used = IOC_LAYOUTS.filter(([, , layout]) => rows.some((r) => sameIoc(r.ioc, layout)));
  for (const [name, doc, layout] of used) {
    if (doc) out.push(`/** ${doc} */`);
    out.push(`const ${name} = ${inline(layout)} as const;`);
  }
  if (used.length) out.push("");
  out.push("export const ABI_ROWS: Abi[] = [");
  for (const r of rows) {
    const named = used.find(([, , layout]) => sameIoc(r.ioc, layout));
    out.push(
      "  {",
      `    name: ${str(r.name)},`,
      `    triplet: ${str(r.triplet)},`,
      `    endian: ${str(r.endian)},`,
      "    types: {",
      ...Object.entries(r.types).map(([k, [size, align]]) => `      ${key(k)}: [${size}, ${align}],`),
      "    },",
      `    charSigned: ${r.charSigned},`,
      `    biggestAlignment: ${r.biggestAlignment},`,
      `    ioc: ${named ? named[0] : inline(r.ioc)},`,
      "    predefined: {",
      ...Object.entries(r.predefined).map(([k, v]) => `      ${key(k)}: ${str(v)},`),
      "    },",
      "  },",
    );
  }
  out.push("];", "");
  return out.join("\n");
}

/** The text of runtime/arch-rows.ts: the list's names, Node arches and byte orders. */
export function renderArchRows(list = ABI_LIST) {
  return [
    ...GENERATED([
      "// Each ABI row as the runtime picks it at load time: uapigen's name for it, Node's",
      "// process.arch on that machine (absent where Node has no port), and its byte order (checked",
      "// against the row's compiler when the command runs; generator/target/abi-rows.ts has the rest).",
    ]),
    "",
    "export interface ArchRow {",
    "  readonly name: string;",
    "  readonly nodeArch?: string;",
    "  readonly littleEndian: boolean;",
    "}",
    "",
    "export const ARCH_ROWS: readonly ArchRow[] = [",
    ...list.map((r) => `  ${inline({ name: r.name, ...(r.nodeArch ? { nodeArch: r.nodeArch } : {}), littleEndian: r.endian === "little" })},`),
    "];",
    "",
  ].join("\n");
}

/** The compiler of each row as a generated abi-rows.ts names it (empty if it names none). */
export function readToolchains(text) {
  const block = /^\/\/ The compilers:\n((?:\/\/ {3}.*\n)*)/m.exec(text);
  if (!block) return {};
  return Object.fromEntries(block[1].split("\n").filter(Boolean).map((line) => {
    const m = /^\/\/ {3}(\S+) +(.*)$/.exec(line);
    return [m[1], m[2]];
  }));
}

/** The first line where two texts differ, for a message. */
export function firstDifference(want, got) {
  const a = want.split("\n");
  const b = got.split("\n");
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `line ${i + 1}: the list and compilers give\n  ${a[i] ?? "(end of file)"}\nthe file has\n  ${b[i] ?? "(end of file)"}`;
}

function readCommitted(file) {
  try {
    return fs.readFileSync(path.join(ROOT, file), "utf8");
  } catch {
    return "";
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const mode = args.find((a) => a.startsWith("--"));
  if (mode === "--write" || mode === "--check") {
    const rows = ABI_LIST.map((r) => facts(r.name));
    const live = Object.fromEntries(ABI_LIST.map((r) => [r.name, toolchain(r.name)]));
    const abiRows = readCommitted(ABI_ROWS_FILE);
    const archRows = readCommitted(ARCH_ROWS_FILE);
    if (mode === "--write") {
      fs.writeFileSync(path.join(ROOT, ABI_ROWS_FILE), renderAbiRows(rows, live));
      fs.writeFileSync(path.join(ROOT, ARCH_ROWS_FILE), renderArchRows());
      console.log(`abi-facts: wrote ${ABI_ROWS_FILE} and ${ARCH_ROWS_FILE} (${rows.length} rows)`);
    } else {
      // The facts must match exactly; a compiler with another Debian version that reads the same
      // facts is only reported (the file names the compilers the rows were read with).
      const committed = readToolchains(abiRows);
      const named = Object.fromEntries(ABI_LIST.map((r) => [r.name, committed[r.name] ?? live[r.name]]));
      let failed = false;
      for (const [file, want, got] of [[ABI_ROWS_FILE, renderAbiRows(rows, named), abiRows], [ARCH_ROWS_FILE, renderArchRows(), archRows]]) {
        if (want === got) continue;
        failed = true;
        console.error(`abi-facts --check: ${file} is not what \`${COMMAND}\` makes; ${firstDifference(want, got)}`);
      }
      for (const r of ABI_LIST) {
        if (committed[r.name] && committed[r.name] !== live[r.name]) console.log(`abi-facts --check: note: ${r.name} was read with ${committed[r.name]}; this machine has ${live[r.name]} (same facts)`);
      }
      if (failed) process.exitCode = 1;
      else console.log(`abi-facts --check: ${ABI_ROWS_FILE} and ${ARCH_ROWS_FILE} match the compilers of ${rows.length} rows`);
    }
  } else if (mode) {
    console.error(`usage: node scripts/abi-facts.mjs [--write | --check | name...]`);
    process.exitCode = 2;
  } else {
    for (const n of args.length ? args : ABI_LIST.map((r) => r.name)) console.log(JSON.stringify(facts(n)));
  }
}
