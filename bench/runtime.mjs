#!/usr/bin/env node
// npm run bench:runtime — per-call cost of the typed path (encode, shim ioctl, decode) on a
// cheap real ioctl (FIONREAD on a pipe) against a C loop and against koffi calling libc's
// ioctl; iommu_ioas_map encode/decode against hand-written DataView code; and whether the view
// path allocates (GC scavenges in a child run under --trace-gc). Ratios, in one run.
// `--record` rewrites its section of BENCHMARKS.md.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { decodeIoasMap, encodeIoasMap } from "./hand-written.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const N = Number(process.env.BENCH_CALLS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-bench-rt-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === "--view-child") {
  // Child: 5M view writes and reads; the parent counts the scavenges --trace-gc prints between
  // the markers (loading the modules may collect, which is not the view path's doing).
  const { iommu_ioas_map } = await import(pathToFileURL(path.join(ROOT, "linux", "dist", "generated", "iommufd.js")).href);
  const view = iommu_ioas_map.view(new DataView(new ArrayBuffer(iommu_ioas_map.size)));
  // In a function: module top-level variables live in a context and box their numbers.
  const loop = () => {
    let sum = 0;
    for (let i = 0; i < 5_000_000; i++) {
      view.flags = i & 1;
      view.ioas_id = i & 0xffff;
      sum = (sum + view.flags + view.ioas_id) | 0;
    }
    return sum;
  };
  console.log("view-loop-start");
  const sum = loop();
  console.log(`view-loop-end ${sum}`);
  process.exit(0);
}

// The bench header through uapigen itself: a typed call benchFionread (BENCH_FIONREAD).
const gen = path.join(work, "gen");
execFileSync(process.execPath, [path.join(ROOT, "generator", "bin", "uapigen.js"), "generate", "--header", path.join(ROOT, "bench", "fixtures", "linux", "bench.h"), "--out", gen, "-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu"), "--runtime", pathToFileURL(path.join(ROOT, "runtime", "dist")).href], { stdio: "ignore" });
// Compile the generated modules to JS (ts-morph bundles the TypeScript compiler API).
const { ts } = await import("ts-morph");
for (const f of fs.readdirSync(gen).filter((x) => x.endsWith(".ts"))) {
  const src = fs.readFileSync(path.join(gen, f), "utf8");
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  fs.writeFileSync(path.join(gen, f.replace(/\.ts$/, ".js")), js);
}
const { benchFionread } = await import(pathToFileURL(path.join(gen, "bench-ioctls.js")).href);
const { iommu_ioas_map } = await import(pathToFileURL(path.join(ROOT, "linux", "dist", "generated", "iommufd.js")).href);

// A pipe with 5 bytes waiting.
const fifo = path.join(work, "fifo");
execFileSync("mkfifo", [fifo]);
const rfd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
const wfd = fs.openSync(fifo, fs.constants.O_WRONLY);
fs.writeSync(wfd, "hello");

function perCall(fn, n = N) {
  for (let i = 0; i < 10_000; i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

// The typed path: encode, ioctl through the shim, decode.
const typed = () => {
  if (benchFionread(rfd).bytes !== 5) throw new Error("FIONREAD");
};
// koffi calling libc's ioctl(2).
const koffi = (await import("koffi")).default;
const libc = koffi.load("libc.so.6");
const kioctl = libc.func("int ioctl(int fd, unsigned long request, _Out_ int *out)");
const kout = [0];
const viaKoffi = () => {
  if (kioctl(rfd, 0x541b, kout) !== 0 || kout[0] !== 5) throw new Error("koffi");
};
// The C loop.
const cbin = path.join(work, "fionread");
execFileSync("gcc", ["-O2", "-o", cbin, path.join(ROOT, "bench", "fionread.c")]);
const cLoop = () => Number(execFileSync(cbin, [String(N)], { encoding: "utf8" }).trim());

// Codecs: iommu_ioas_map against hand-written DataView code doing the same work.
const dv = new DataView(new ArrayBuffer(40));
const value = { flags: 1, ioas_id: 7, user_va: 0x7f0000000000n, length: 0x200000n, iova: 0x100000n };
const codecEncode = () => iommu_ioas_map.encode(value, dv);
const handEncode = () => encodeIoasMap(dv, value);
const codecDecode = () => iommu_ioas_map.decode(dv);
const handDecode = () => decodeIoasMap(dv);

const rows = { c: [], typed: [], koffi: [], encode: [], handEncode: [], decode: [], handDecode: [] };
for (let r = 0; r < ROUNDS; r++) {
  rows.c.push(cLoop());
  rows.typed.push(perCall(typed));
  rows.koffi.push(perCall(viaKoffi));
  rows.encode.push(perCall(codecEncode, N * 5));
  rows.handEncode.push(perCall(handEncode, N * 5));
  rows.decode.push(perCall(codecDecode, N * 5));
  rows.handDecode.push(perCall(handDecode, N * 5));
}
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));

const child = spawnSync(process.execPath, ["--trace-gc", fileURLToPath(import.meta.url), "--view-child"], { encoding: "utf8" });
const during = /view-loop-start([\s\S]*)view-loop-end/.exec(child.stdout);
if (!during) throw new Error(`view child: ${child.stderr}`);
const scavenges = (during[1].match(/Scavenge/g) ?? []).length;
fs.closeSync(rfd);
fs.closeSync(wfd);
fs.rmSync(work, { recursive: true, force: true });

const ns = (x) => `${x.toFixed(1)} ns`;
const table = [
  `Command: \`npm run bench:runtime\` (${ROUNDS} rounds of ${N.toLocaleString("en")} calls, medians; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, Node ${process.version}, koffi ${koffi.version}).`,
  "",
  "| what | per call | ratio |",
  "| --- | ---: | ---: |",
  `| C loop: ioctl(FIONREAD) on a pipe (reference) | ${ns(m.c)} | 1.00 |`,
  `| uapigen typed call benchFionread (encode, shim, decode) | ${ns(m.typed)} | ${(m.typed / m.c).toFixed(2)} × C |`,
  `| koffi calling libc ioctl | ${ns(m.koffi)} | ${(m.koffi / m.c).toFixed(2)} × C |`,
  `| iommu_ioas_map.encode / hand-written DataView | ${ns(m.encode)} / ${ns(m.handEncode)} | ${(m.encode / m.handEncode).toFixed(2)} |`,
  `| iommu_ioas_map.decode / hand-written DataView | ${ns(m.decode)} / ${ns(m.handDecode)} | ${(m.decode / m.handDecode).toFixed(2)} |`,
  `| view path: 5M writes + reads of u32 members | ${scavenges} GC scavenges | ${scavenges === 0 ? "no allocation" : "allocates"} |`,
].join("\n");
console.log(table);
if (process.argv.includes("--record")) {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const text = fs.readFileSync(file, "utf8");
  const start = "<!-- bench:runtime -->";
  const end = "<!-- /bench:runtime -->";
  const section = `${start}\n${table}\n${end}`;
  fs.writeFileSync(file, text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), section) : `${text.trimEnd()}\n\n## Runtime\n\n${section}\n`);
}
