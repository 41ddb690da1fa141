#!/usr/bin/env node
// npm run bench:generate — wall time of `uapigen generate` on iommufd.h next to bindgen on the
// same header, and of a re-run when nothing changed, all in one run, as ratios.
// Prints a Markdown table; `--record` also rewrites its section of BENCHMARKS.md.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const HEADER = "headers/7.3/linux/iommufd.h";
const INCLUDES = ["-I", "headers/7.3", "-I", "headers/7.3/x86_64-linux-gnu"];
// BENCH_CLI: another build of the CLI (an earlier commit's), to compare generators.
const CLI = process.env.BENCH_CLI ?? path.join(ROOT, "generator", "bin", "uapigen.js");

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bindgenAvailable() {
  const r = spawnSync("bindgen", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

if (!bindgenAvailable()) {
  console.error("bench: bindgen is not installed (apt-get install bindgen libclang1-14); it is the reference.");
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-bench-"));
const bindgenMs = [];
const fullMs = [];
const oneArchMs = [];
const rerunMs = [];
for (let i = 0; i < RUNS; i++) {
  // Interleaved so that machine noise hits both tools alike.
  bindgenMs.push(time("bindgen", [HEADER, "-o", path.join(work, "iommufd.rs"), "--", ...INCLUDES]));
  const out = path.join(work, `out-${i}`);
  // A new output directory has no stamp: this is a full generation.
  fullMs.push(time(process.execPath, [CLI, "generate", "--header", HEADER, "--out", out, ...INCLUDES]));
  // bindgen lays out for one target; this is the like-for-like row.
  oneArchMs.push(time(process.execPath, [CLI, "generate", "--arch", "x86_64", "--header", HEADER, "--out", path.join(work, `one-${i}`), ...INCLUDES]));
  rerunMs.push(time(process.execPath, [CLI, "generate", "--header", HEADER, "--out", out, ...INCLUDES]));
}
const nodeMs = median(Array.from({ length: RUNS }, () => time(process.execPath, ["-e", "0"])));
fs.rmSync(work, { recursive: true, force: true });
for (const f of fs.readdirSync(path.join(ROOT, "node_modules", ".cache", "uapigen"))) {
  if (f.includes("uapigen-bench-")) fs.rmSync(path.join(ROOT, "node_modules", ".cache", "uapigen", f));
}

const b = median(bindgenMs);
const full = median(fullMs);
const oneArch = median(oneArchMs);
const rerun = median(rerunMs);
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const bindgenVersion = execFileSync("bindgen", ["--version"], { encoding: "utf8" }).trim();
const table = [
  `Command: \`npm run bench:generate\` (${RUNS} interleaved runs each, medians; ${os.cpus().length} × ${cpu}, Node ${process.version}, ${bindgenVersion}).`,
  "",
  "| what (linux/iommufd.h 7.3) | median | ratio to bindgen |",
  "| --- | ---: | ---: |",
  `| bindgen (reference) | ${b.toFixed(0)} ms | 1.00 |`,
  `| uapigen generate, full (all 14 architecture rows, the default) | ${full.toFixed(0)} ms | ${(full / b).toFixed(2)} |`,
  `| uapigen generate --arch x86_64, full (one target, as bindgen) | ${oneArch.toFixed(0)} ms | ${(oneArch / b).toFixed(2)} |`,
  `| uapigen generate, unchanged re-run | ${rerun.toFixed(0)} ms | ${(rerun / b).toFixed(2)} |`,
  `| \`node -e 0\` (process start-up alone) | ${nodeMs.toFixed(0)} ms | ${(nodeMs / b).toFixed(2)} |`,
].join("\n");
console.log(table);

if (process.argv.includes("--record")) {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n";
  const start = "<!-- bench:generate -->";
  const end = "<!-- /bench:generate -->";
  const section = `${start}\n${table}\n${end}`;
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), section) : `${text.trimEnd()}\n\n## Generation\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
