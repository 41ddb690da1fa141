#!/usr/bin/env node
// npm run test:lint-tree — `uapigen lint` over every include/uapi/linux/*.h of Linux 7.3 (Debian's
// linux-source-7.3) next to that source's own `kernel-doc -none -Wall`. Fails on a kernel-doc
// warning of a shared class that uapigen misses (unless README lists it as wrong in kernel-doc),
// on a uapigen-only finding judged false in test/lint/judged.json, and on one not judged yet.
// Prints the counts README quotes. Needs `npm run build` first.
// --write-unjudged FILE: write the unjudged findings as judged.json rows to fill in. Judgements
// of findings no longer reported fail the test too, so the file is exactly what uapigen reports.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { kernelSource, libcDevInclude } from "./lib/kernel-source.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VERSION = "7.3.4-1~bpo13+1";
const JUDGED = path.join(ROOT, "test", "lint", "judged.json");
const args = process.argv.slice(2);
const log = (m) => console.log(`test:lint-tree: ${m}`);

// What headers_install does to a source header, as definitions: the annotations it strips.
const COMPAT = ["__user", "__force", "__iomem", "__attribute_const__"].map((w) => `#define ${w}\n`).join("") + "#define __packed __attribute__((packed))\n";

/** The include directories for a source tree: its uapi, the installed asm/, then the system. */
async function includeDirs(source, libc) {
  const { includeDirsFor } = await import(path.join(ROOT, "generator/dist/model/build.js"));
  const { getAbi } = await import(path.join(ROOT, "generator/dist/target/abi.js"));
  const abi = getAbi("x86_64");
  const stubs = path.join(source, ".uapigen-stubs");
  // <linux/compiler.h> is a kernel header headers_install removes the includes of.
  fs.mkdirSync(path.join(stubs, "linux"), { recursive: true });
  for (const f of ["compiler.h", "compiler_types.h"]) fs.writeFileSync(path.join(stubs, "linux", f), "");
  fs.writeFileSync(path.join(stubs, "uapigen-compat.h"), COMPAT);
  // What a program includes before some headers (errqueue.h's struct timespec, coda.h's int64_t).
  fs.writeFileSync(path.join(stubs, "uapigen-libc.h"), "#include <stdint.h>\n#include <time.h>\n#include <sys/socket.h>\n");
  return { abi, stubs, dirs: includeDirsFor(path.join(source, "include/uapi/linux/x.h"), abi, [path.join(source, "include", "uapi"), stubs, path.join(libc, abi.triplet), libc]) };
}

// Worker mode: lint a slice of the headers, one JSON line per header.
if (args[0] === "--worker") {
  const [, source, libc, part, parts] = args;
  const { lintHeaders } = await import(path.join(ROOT, "generator/dist/lint/lint.js"));
  const { abi, stubs, dirs } = await includeDirs(source, libc);
  // Members under another architecture's #if (mshv.h) are linted too.
  const { getAbi } = await import(path.join(ROOT, "generator/dist/target/abi.js"));
  const moreAbis = ["aarch64"].map((n) => getAbi(n));
  const linux = path.join(source, "include", "uapi", "linux");
  const names = fs.readdirSync(linux).filter((f) => f.endsWith(".h")).sort();
  for (const [i, name] of names.entries()) {
    if (i % Number(parts) !== Number(part)) continue;
    const file = path.join(linux, name);
    const attempt = (includes) => {
      try {
        return { findings: lintHeaders([file], { abi, moreAbis, includeDirs: dirs, forceIncludes: includes.map((f) => path.join(stubs, f)) }) };
      } catch (err) {
        return { error: String(err?.message ?? err).split("\n")[0] };
      }
    };
    const unparsed = (r) => (r.error ? Infinity : r.findings.filter((f) => f.rule === "unparsed-declaration").length);
    // Alone first, as the header is; with libc's basics first when that leaves less unparsed.
    let best = attempt(["uapigen-compat.h"]);
    if (unparsed(best) > 0) {
      const withLibc = attempt(["uapigen-libc.h", "uapigen-compat.h"]);
      if (unparsed(withLibc) < unparsed(best)) best = withLibc;
    }
    if (best.error) console.log(JSON.stringify({ header: name, error: best.error }));
    else {
      const rows = best.findings.filter((f) => f.loc.file === file).map((f) => ({ header: name, line: f.loc.line, column: f.loc.column, rule: f.rule, symbol: f.symbol, name: f.name, message: f.message }));
      console.log(JSON.stringify({ header: name, findings: rows }));
    }
  }
  process.exit(0);
}

const source = kernelSource("7.3", VERSION, log);
const libc = libcDevInclude(VERSION, log);
const headers = fs.readdirSync(path.join(source, "include", "uapi", "linux")).filter((f) => f.endsWith(".h")).sort();

// kernel-doc as the source runs it (Python in 7.x), from the source root so paths match.
log(`kernel-doc -none -Wall on ${headers.length} headers`);
const run = spawnSync(path.join(source, "scripts", "kernel-doc"), ["-none", "-Wall", ...headers.map((h) => `include/uapi/linux/${h}`)], { cwd: source, encoding: "utf8", maxBuffer: 1 << 26 });
if (run.error) throw run.error;
// Its warnings go to stderr; it exits non-zero when it warned.
const kdoc = `${run.stdout}${run.stderr}`;

log(`uapigen lint on the same headers`);
const parts = Math.max(1, Math.min(2, os.cpus().length));
const lines = await Promise.all(
  Array.from({ length: parts }, (_, part) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--worker", source, libc, String(part), String(parts)], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(out.trim().split("\n").filter(Boolean)) : reject(new Error(`worker ${part} exited ${code}`))));
    }),
  ),
);
const results = lines.flat().map((l) => JSON.parse(l));
const errors = results.filter((r) => r.error);
const findings = results.flatMap((r) => r.findings ?? []);

const { compareTree, findingId, parseKernelDocOutput, parseKernelDocWrong } = await import(path.join(ROOT, "dist/test/lint/tree-compare.js"));
const judged = JSON.parse(fs.readFileSync(JUDGED, "utf8"));
const wrong = parseKernelDocWrong(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
const c = compareTree(parseKernelDocOutput(kdoc), findings, judged, wrong);

const byRule = (xs) => Object.entries(xs.reduce((a, f) => ((a[f.rule] = (a[f.rule] ?? 0) + 1), a), {})).sort().map(([r, n]) => `${r} ${n}`).join(", ");
log(`${headers.length} headers, ${headers.length - errors.length} linted whole; ${errors.length} with a diagnostic:`);
for (const e of errors) log(`  ${e.header}: ${e.error}`);
for (const cls of Object.keys(c.kernelDoc)) log(`kernel-doc ${cls}: ${c.kernelDoc[cls]}, uapigen caught ${c.caught[cls]}`);
log(`uapigen findings: ${findings.length} (${byRule(findings)})`);
log(`uapigen only: ${c.only.length} — judged true ${c.judgedTrue.length}, judged false ${c.judgedFalse.length}, unjudged ${c.unjudged.length}`);
log(`excused (wrong in kernel-doc, README): ${c.excused.length}`);
let failed = false;
for (const w of c.missed) {
  failed = true;
  console.error(`MISSED include/uapi/linux/${w.header}:${w.line}: ${w.message}`);
}
for (const f of c.judgedFalse) {
  failed = true;
  console.error(`JUDGED FALSE ${findingId(f)}: ${f.message} (${judged.find((j) => j.finding === findingId(f)).reason})`);
}
for (const f of c.unjudged) {
  failed = true;
  console.error(`UNJUDGED ${findingId(f)}: ${f.message}`);
}
// A judgement of a finding uapigen no longer makes is stale: the file lists exactly what it reports.
const onlyIds = new Set(c.only.map(findingId));
const stale = judged.filter((j) => !onlyIds.has(j.finding));
for (const j of stale) {
  failed = true;
  console.error(`NO LONGER REPORTED ${j.finding} (judged ${j.verdict}: ${j.reason}); remove it from ${path.relative(ROOT, JUDGED)}`);
}
const write = args.indexOf("--write-unjudged");
if (write >= 0) fs.writeFileSync(args[write + 1], `${JSON.stringify(c.unjudged.map((f) => ({ finding: findingId(f), verdict: null, reason: f.message })), null, 1)}\n`);
if (failed) process.exit(1);
log("ok");
