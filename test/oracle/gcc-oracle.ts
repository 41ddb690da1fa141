// The layout oracle: gcc compiles a probe against the same headers and must agree with
// `uapigen layout` on every struct, union, member, enumerator, #define and ioctl. What gcc
// declares is enumerated independently (DWARF, `gcc -dM`, the header's #define lines), so a
// declaration uapigen misses is a failure, not a gap.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Abi } from "#generator/target/abi.js";
import { buildHeader, defaultIncludeDirs } from "#generator/model/build.js";
import { layoutReport, type LayoutReport } from "#generator/model/report.js";
import { readDwarf } from "./dwarf.js";

export interface OracleResult {
  mismatches: string[];
  /** How many facts were compared. */
  checked: { records: number; members: number; constants: number; ioctls: number; otherDefines: number };
}

export interface OracleInput {
  header: string;
  /** The #include spelling, e.g. linux/iommufd.h. */
  include: string;
  includeDirs: string[];
  report: LayoutReport;
  /** Defines uapigen classified as non-integer, with its reason. */
  otherDefines: { name: string; reason: string }[];
  gcc?: string;
  /** The target's objcopy (reads the probe's data back). */
  objcopy?: string;
  /** The target's byte order, for reading the probe's numbers. */
  endian?: "little" | "big";
  /** Extra compiler flags, e.g. -nostdinc when includeDirs hold the system headers too. */
  gccFlags?: string[];
}

/** Object-like #defines written in the header text (a plain scan, not uapigen's parser). */
export function definesInText(text: string): string[] {
  const names: string[] = [];
  const joined = text.replace(/\\\n/g, " ");
  for (const m of joined.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(?)/gm)) if (!m[2]) names.push(m[1]!);
  return names;
}

export function runOracle(input: OracleInput): OracleResult {
  const gcc = input.gcc ?? "gcc";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-oracle-"));
  const mismatches: string[] = [];
  const checked = { records: 0, members: 0, constants: 0, ioctls: 0, otherDefines: 0 };
  const iflags = [...(input.gccFlags ?? []), ...input.includeDirs.flatMap((d) => ["-I", d])];
  try {
    // 1. What gcc declares: DWARF of a probe that only includes the header.
    const decls = path.join(dir, "decls.c");
    fs.writeFileSync(decls, `#include <${input.include}>\n`);
    execFileSync(gcc, ["-gdwarf-5", "-fno-eliminate-unused-debug-types", "-c", ...iflags, decls, "-o", path.join(dir, "decls.o")], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    const dwarf = readDwarf(path.join(dir, "decls.o"), input.header, dir, input.endian);
    // Every macro gcc ends up with, and which of them the header itself defined (from the
    // linemarkers of `gcc -E -dD`: a guarded #define the header skipped does not count).
    const macros = new Map<string, string>();
    const headerMacros = new Set<string>();
    const dd = execFileSync(gcc, ["-dD", "-E", ...iflags, decls], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
    let current = "";
    const target = path.resolve(input.header);
    for (const line of dd.split("\n")) {
      const marker = /^# \d+ "([^"]+)"/.exec(line);
      if (marker) current = path.resolve(dir, marker[1]!);
      const def = /^#define ([A-Za-z_]\w*)(\([^)]*\))?(?: (.*))?$/.exec(line);
      if (def && !def[2]) {
        macros.set(def[1]!, def[3] ?? "");
        if (current === target) headerMacros.add(def[1]!);
        else headerMacros.delete(def[1]!);
      }
      const undef = /^#undef ([A-Za-z_]\w*)/.exec(line);
      if (undef) {
        macros.delete(undef[1]!);
        headerMacros.delete(undef[1]!);
      }
    }

    const report = input.report;
    // 2. Both directions: every record gcc has, uapigen has, and the other way round.
    for (const name of Object.keys(report.structs)) if (!dwarf.records.has(name)) mismatches.push(`${name}: uapigen reports it, gcc does not declare it`);
    /** Each entry: C constant expressions, and what to do with their values. */
    const probe: { exprs: string[]; check: (v: bigint[]) => void }[] = [];
    for (const [name, rec] of dwarf.records) {
      const mine = report.structs[name];
      if (!mine) {
        mismatches.push(`${rec.kind} ${name}: declared by the header but missing from uapigen's layout`);
        continue;
      }
      checked.records++;
      if (mine.kind !== rec.kind) mismatches.push(`${name}: kind ${mine.kind}, gcc says ${rec.kind}`);
      const t = rec.typedef ? name : `${rec.kind} ${name}`;
      probe.push({
        exprs: [`sizeof(${t})`, `_Alignof(${t})`],
        check: ([size, align]) => {
          if (BigInt(mine.size) !== size || BigInt(mine.align) !== align) mismatches.push(`${name}: size ${mine.size} align ${mine.align}, gcc says size ${size} align ${align}`);
        },
      });
      const gccNames = new Set(rec.members.map((m) => m.name));
      for (const f of Object.keys(mine.fields)) if (!gccNames.has(f)) mismatches.push(`${name}.${f}: uapigen reports a member gcc does not have`);
      for (const m of rec.members) {
        const f = mine.fields[m.name];
        if (!f) {
          mismatches.push(`${name}.${m.name}: member missing from uapigen's layout`);
          continue;
        }
        checked.members++;
        if (m.bitSize !== undefined) {
          if (f.bit_offset !== m.bitOffset || f.bit_size !== m.bitSize) mismatches.push(`${name}.${m.name}: bitfield ${f.bit_offset}:${f.bit_size}, gcc says ${m.bitOffset}:${m.bitSize}`);
          continue;
        }
        const size = m.flexible ? "0" : `sizeof(((${t} *)0)->${m.name})`;
        probe.push({
          exprs: [`offsetof(${t}, ${m.name})`, size],
          check: ([offset, bytes]) => {
            if (BigInt(f.offset ?? -1) !== offset || BigInt(f.size ?? -1) !== bytes) mismatches.push(`${name}.${m.name}: offset ${f.offset} size ${f.size}, gcc says offset ${offset} size ${bytes}`);
          },
        });
      }
    }
    // 3. Constants: every enumerator and every object-like #define of the header text.
    const textDefines = definesInText(fs.readFileSync(input.header, "utf8"));
    const other = new Map(input.otherDefines.map((o) => [o.name, o.reason]));
    const constantNames = new Set([...dwarf.enumerators.keys()]);
    const notInteger: string[] = [];
    for (const name of textDefines) {
      if (!headerMacros.has(name)) {
        if (report.constants[name] !== undefined) mismatches.push(`${name}: the header does not define it for this target, but uapigen reports it`);
        continue; // in an inactive #if branch, or already defined elsewhere
      }
      const body = macros.get(name)!.trim();
      if (other.has(name)) {
        checked.otherDefines++;
        if (body !== "") notInteger.push(name);
        continue;
      }
      constantNames.add(name);
    }
    for (const name of Object.keys(report.constants)) if (!constantNames.has(name)) mismatches.push(`${name}: uapigen reports a constant that is neither an enumerator nor an integer #define of the header`);
    for (const name of constantNames) {
      if (report.constants[name] === undefined) {
        mismatches.push(`${name}: constant missing from uapigen's layout`);
        continue;
      }
      checked.constants++;
      probe.push({
        exprs: [name, `((${name}) - (${name}) - 1) < 0`],
        check: ([raw, signed]) => {
          const value = signed ? BigInt.asIntN(64, raw!) : raw;
          if (report.constants[name] !== value) mismatches.push(`${name}: ${report.constants[name]}, gcc says ${value}`);
          if (report.ioctls[name] !== undefined && report.ioctls[name] !== value) mismatches.push(`${name}: ioctl ${report.ioctls[name]}, gcc says ${value}`);
        },
      });
    }
    for (const [name, v] of dwarf.enumerators) {
      // A macro of the same name (pkt_sched.h's __TC_MQPRIO_MODE_MAX) is what code sees; the probe checks it.
      if (headerMacros.has(name)) continue;
      if (report.constants[name] !== undefined && report.constants[name] !== v) mismatches.push(`${name}: ${report.constants[name]}, DWARF says ${v}`);
    }
    // ioctls: every #define that expands through _IO/_IOR/_IOW/_IOWR.
    for (const name of constantNames) {
      const body = macros.get(name) ?? "";
      const isIoctl = /\b_IO(W|R|WR)?\s*\(/.test(body) || /\b_IO(W|R|WR)?\s*\(/.test(expandOnce(body, macros));
      if (isIoctl !== (report.ioctls[name] !== undefined)) mismatches.push(`${name}: ${isIoctl ? "an ioctl uapigen does not list" : "listed as an ioctl but is not one"}`);
      if (isIoctl) checked.ioctls++;
    }

    // uapigen says "not an integer constant": gcc must refuse each as an enumerator value,
    // which must be an integer constant expression (one translation unit per macro, so one
    // failure cannot hide another).
    for (const name of notInteger) {
      const src = path.join(dir, "other.c");
      fs.writeFileSync(src, `#include <${input.include}>\nenum { probe_value = (${name}) };\n`);
      const r = spawnSync(gcc, ["-fsyntax-only", "-w", ...iflags, src], { cwd: dir, encoding: "utf8" });
      if (r.status === 0) mismatches.push(`${name}: uapigen says not an integer constant (${other.get(name)}), gcc accepts it as one`);
    }

    // 4. The probe: every number as an integer constant in a data array, compiled for the
    // target and read back from the object in its byte order (nothing runs on the target).
    const src = path.join(dir, "probe.c");
    // The header first, as in the DWARF pass: libc headers must not change what it defines.
    fs.writeFileSync(src, `#include <${input.include}>\n#include <stddef.h>\nunsigned long long probe_values[] = {\n${probe.map((p) => p.exprs.map((e) => `(unsigned long long)(${e}),`).join(" ")).join("\n")}\n0 };\n`);
    const obj = path.join(dir, "probe.o");
    execFileSync(gcc, ["-c", "-w", "-O0", "-fno-common", ...iflags, src, "-o", obj], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    execFileSync(input.objcopy ?? "objcopy", ["-O", "binary", "--only-section=.data", obj, path.join(dir, "probe.bin")]);
    const bin = fs.readFileSync(path.join(dir, "probe.bin"));
    const big = input.endian === "big";
    let at = 0;
    const next = () => {
      const v = big ? bin.readBigUInt64BE(at) : bin.readBigUInt64LE(at);
      at += 8;
      return v;
    };
    for (const p of probe) {
      const values = p.exprs.map(() => next());
      p.check(values);
    }
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    mismatches.push(`oracle failed: ${e.stderr?.toString().slice(0, 2000) || e.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { mismatches, checked };
}

/** A few levels of object-like macro expansion: `#define X Y` with Y an ioctl, `_SIOWR` aliases. */
function expandOnce(body: string, macros: Map<string, string>): string {
  let text = body;
  for (let i = 0; i < 6; i++) text = text.replace(/\b[A-Za-z_]\w*\b/g, (id) => macros.get(id) ?? id);
  return text;
}

/** Builds a header for an ABI and runs the oracle with that ABI's compiler. */
export function oracleForHeader(file: string, abi: Abi, options: { gcc?: string; includeDirs?: string[] } = {}): { result: OracleResult; report: LayoutReport } {
  const includeDirs = options.includeDirs ?? defaultIncludeDirs(file, abi);
  const built = buildHeader(file, { abi, includeDirs });
  const report = layoutReport(built.model, built.layout);
  const gcc = options.gcc ?? "gcc";
  const result = runOracle({
    header: file,
    include: `linux/${path.basename(file)}`,
    includeDirs,
    report,
    otherDefines: built.model.otherDefines,
    gcc,
    objcopy: gcc.replace(/gcc$/, "objcopy"),
    endian: abi.endian,
  });
  return { result, report };
}
