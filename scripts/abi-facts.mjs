#!/usr/bin/env node
// Prints the ABI rows of generator/target/abi.ts as each architecture's cross compiler sees
// them: type sizes and alignments (as symbol sizes of char arrays, read with the toolchain's
// own nm, so nothing runs on the target), byte order, char signedness, and the predefined macros
// the asm/ headers test. The _IOC layout comes from the architecture's asm/ioctl.h.
//   node scripts/abi-facts.mjs [name...]      (needs gcc-<triplet> installed)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const TARGETS = {
  x86_64: { gcc: "gcc", triplet: "x86_64-linux-gnu" },
  i386: { gcc: "i686-linux-gnu-gcc", triplet: "i386-linux-gnu" },
  aarch64: { gcc: "aarch64-linux-gnu-gcc", triplet: "aarch64-linux-gnu" },
  arm: { gcc: "arm-linux-gnueabihf-gcc", triplet: "arm-linux-gnueabihf" },
  ppc64le: { gcc: "powerpc64le-linux-gnu-gcc", triplet: "powerpc64le-linux-gnu" },
  ppc64: { gcc: "powerpc64-linux-gnu-gcc", triplet: "powerpc64-linux-gnu" },
  powerpc: { gcc: "powerpc-linux-gnu-gcc", triplet: "powerpc-linux-gnu" },
  s390x: { gcc: "s390x-linux-gnu-gcc", triplet: "s390x-linux-gnu" },
  riscv64: { gcc: "riscv64-linux-gnu-gcc", triplet: "riscv64-linux-gnu" },
  mips64el: { gcc: "mips64el-linux-gnuabi64-gcc", triplet: "mips64el-linux-gnuabi64" },
  mipsel: { gcc: "mipsel-linux-gnu-gcc", triplet: "mipsel-linux-gnu" },
  sparc64: { gcc: "sparc64-linux-gnu-gcc", triplet: "sparc64-linux-gnu" },
  alpha: { gcc: "alpha-linux-gnu-gcc", triplet: "alpha-linux-gnu" },
  hppa: { gcc: "hppa-linux-gnu-gcc", triplet: "hppa-linux-gnu" },
};

const TYPES = {
  _Bool: "_Bool", char: "char", "signed char": "signed char", "unsigned char": "unsigned char",
  short: "short", "unsigned short": "unsigned short", int: "int", "unsigned int": "unsigned int",
  long: "long", "unsigned long": "unsigned long", "long long": "long long", "unsigned long long": "unsigned long long",
  __int128: "__int128", "unsigned __int128": "unsigned __int128",
  float: "float", double: "double", "long double": "long double", pointer: "void *",
};

const MACRO = /^(__[a-z0-9_]+__|__(i386|x86_64|amd64|aarch64|arm|ARM_\w+|ARMEL|ARMEB|AARCH64EL|powerpc\w*|PPC\w*|ppc\w*|s390\w*|sparc\w*|riscv\w*|alpha\w*|hppa\w*|mips\w*|MIPS\w+)|_MIPS_\w+|_ABI\w+|__ILP32__|__LP64__|_LP64|_ILP32|__BIG_ENDIAN__|__LITTLE_ENDIAN__|_BIG_ENDIAN|_LITTLE_ENDIAN|__ORDER_\w+__|__BYTE_ORDER__|__FLOAT_WORD_ORDER__|__SIZEOF_\w+__|__CHAR_UNSIGNED__|__BIGGEST_ALIGNMENT__|__CHAR_BIT__|__ELF__|__linux__|__linux|__unix__|__unix|__GNUC__|__GNUC_MINOR__|__STDC__|__STDC_VERSION__|__STDC_HOSTED__)$/;
const SKIP = /^__(FLT|DBL|LDBL|FP_|DEC|GCC_|SIZEOF_FLOAT\d|VERSION|OPTIMIZE|NO_INLINE|REGISTER_PREFIX|USER_LABEL|OPTIMIZE|FINITE|PIC|pic|PIE|pie|SSP|CET|SEG_|code_model|ATOMIC|SCHAR|SHRT|INT|LONG|WCHAR|WINT|PTRDIFF|SIZE_|INTMAX|UINTMAX|SIG_ATOMIC|INT8|INT16|INT32|INT64|UINT|INTPTR|UINTPTR|CHAR16|CHAR32|BFLT|HAVE|PRAGMA|STRICT|EXCEPTIONS|SSE|MMX|FXSR|SEG|k8|K8|tune|FP_FAST|LONG_LONG|float|NEXT)/;

export function facts(name) {
  const t = TARGETS[name];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uapigen-abi-${name}-`));
  try {
    const src = path.join(dir, "facts.c");
    const lines = [];
    for (const [k, c] of Object.entries(TYPES)) {
      const id = k.replace(/\W+/g, "_");
      lines.push(`#if defined(__SIZEOF_INT128__) || !${k.includes("int128") ? 1 : 0}`, `char size_${id}[sizeof(${c})]; char align_${id}[_Alignof(${c})];`, "#endif");
    }
    lines.push("char biggest[__BIGGEST_ALIGNMENT__];", "char char_signed[(char)-1 < 0 ? 2 : 1];");
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
    const dm = execFileSync(t.gcc, ["-dM", "-E", "-x", "c", "/dev/null"], { encoding: "utf8" });
    const predefined = {};
    for (const m of dm.matchAll(/^#define (\w+) (.*)$/gm)) if (MACRO.test(m[1]) && !SKIP.test(m[1])) predefined[m[1]] = m[2];
    return {
      name,
      triplet: t.triplet,
      endian: /__BYTE_ORDER__ __ORDER_BIG_ENDIAN__/.test(dm) ? "big" : "little",
      types,
      charSigned: syms.get("char_signed") === 2,
      biggestAlignment: syms.get("biggest"),
      predefined: Object.fromEntries(Object.entries(predefined).sort(([a], [b]) => a.localeCompare(b))),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TARGETS);
  for (const n of names) console.log(JSON.stringify(facts(n)));
}
