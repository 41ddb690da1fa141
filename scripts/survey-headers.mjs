#!/usr/bin/env node
// npm run survey -- [version]: runs `uapigen layout` and the gcc oracle over every
// include/linux/*.h of Debian's linux-libc-dev (default 7.3.4-1~bpo13+1) and reports how many
// parse and verify, and why the rest do not. Needs `npm run build` first.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { downloadDeb } from "./lib/debian.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

// Worker mode: survey a slice of the headers and print JSON lines.
if (args[0] === "--worker") {
  const [, include, part, parts] = args;
  const { buildHeader } = await import(path.join(ROOT, "generator/dist/model/build.js"));
  const { getAbi } = await import(path.join(ROOT, "generator/dist/model/abi.js"));
  const { layoutReport } = await import(path.join(ROOT, "generator/dist/model/report.js"));
  const { runOracle } = await import(path.join(ROOT, "dist/test/oracle/gcc-oracle.js"));
  const { InputError } = await import(path.join(ROOT, "generator/dist/diagnostics.js"));
  const abi = getAbi("x86_64");
  const gccInclude = execFileSync("gcc", ["-print-file-name=include"], { encoding: "utf8" }).trim();
  // The same directories for uapigen and gcc (gcc with -nostdinc): libc headers come last.
  const dirs = [include, path.join(include, abi.triplet), gccInclude, "/usr/include/x86_64-linux-gnu", "/usr/include"];
  const names = fs.readdirSync(path.join(include, "linux")).filter((f) => f.endsWith(".h")).sort();
  for (const [i, name] of names.entries()) {
    if (i % Number(parts) !== Number(part)) continue;
    const file = path.join(include, "linux", name);
    const result = { header: `linux/${name}` };
    try {
      execFileSync("gcc", ["-nostdinc", ...dirs.flatMap((d) => ["-I", d]), "-fsyntax-only", "-x", "c", "-"], { input: `#include <linux/${name}>\n`, stdio: ["pipe", "ignore", "pipe"] });
    } catch (err) {
      result.status = "gcc-fails";
      result.reason = String(err.stderr).split("\n").find((l) => l.includes("error")) ?? "gcc error";
      console.log(JSON.stringify(result));
      continue;
    }
    try {
      const built = buildHeader(file, { abi, includeDirs: dirs });
      const report = layoutReport(built.model, built.layout);
      const oracle = runOracle({ header: file, include: `linux/${name}`, includeDirs: dirs, report, otherDefines: built.model.otherDefines, gccFlags: ["-nostdinc"] });
      result.status = oracle.mismatches.length ? "mismatch" : "ok";
      result.checked = oracle.checked;
      if (oracle.mismatches.length) result.reason = oracle.mismatches.slice(0, 3).join("; ");
    } catch (err) {
      if (!(err instanceof InputError)) {
        result.status = "crash";
        result.reason = String(err.stack).split("\n").slice(0, 3).join(" | ");
      } else {
        result.status = "diagnostic";
        result.rule = err.diagnostic.rule;
        result.reason = err.message.replace(include + "/", "");
      }
    }
    console.log(JSON.stringify(result));
  }
  process.exit(0);
}

const version = args[0] ?? "7.3.4-1~bpo13+1";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-survey-"));
const deb = downloadDeb(`linux-libc-dev=${version}`, work);
execFileSync("dpkg-deb", ["-x", deb, path.join(work, "root")]);
const include = path.join(work, "root", "usr", "include");
const parts = Math.max(1, os.cpus().length);
const lines = await Promise.all(
  Array.from({ length: parts }, (_, part) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--worker", include, String(part), String(parts)], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(out.trim().split("\n").filter(Boolean)) : reject(new Error(`worker ${part} exited ${code}`))));
    }),
  ),
);
const results = lines.flat().map((l) => JSON.parse(l)).sort((a, b) => a.header.localeCompare(b.header));
fs.rmSync(work, { recursive: true, force: true });
const by = (s) => results.filter((r) => r.status === s);
const rules = {};
for (const r of by("diagnostic")) rules[r.rule] = (rules[r.rule] ?? 0) + 1;
console.log(`linux-libc-dev ${version}: ${results.length} linux/*.h headers`);
console.log(`  parse and verify against gcc (0 mismatches): ${by("ok").length}`);
console.log(`  gcc itself cannot compile the header alone: ${by("gcc-fails").length}`);
console.log(`  uapigen diagnostic: ${by("diagnostic").length} ${JSON.stringify(rules)}`);
console.log(`  mismatch with gcc: ${by("mismatch").length}`);
console.log(`  crash (a bug): ${by("crash").length}`);
for (const r of results.filter((x) => x.status !== "ok")) console.log(`  ${r.status.padEnd(10)} ${r.header}: ${r.reason}`);
const out = process.env.SURVEY_OUT;
if (out) fs.writeFileSync(out, JSON.stringify(results, null, 1));
process.exitCode = by("crash").length ? 1 : 0;
