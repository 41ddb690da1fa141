#!/usr/bin/env node
// npm run test:abi-tree — `uapigen abi` over the whole installed uAPI between Debian's
// linux-libc-dev 6.12 (trixie) and 7.3 (trixie-backports): every linux/*.h and asm/*.h on all 14
// ABI rows. Prints the counts per class and rule (the README's table), then compares every
// breaking and needs-review finding with test/abi/judged.json, where each has a verdict and a
// reason read from the headers. Fails on a finding nobody judged and on a judged one no longer
// found. Needs `npm run build` first.
// --list: print every breaking and needs-review finding. --write-unjudged: add the unjudged ones
// to judged.json with verdict "unjudged" (to be judged by hand; an "unjudged" entry fails too).
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { HISTORY_SUITES } from "./lib/debian.mjs";
import { libcDevInclude } from "./lib/kernel-source.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VERSIONS = ["6.12.117-1", "7.3.4-1~bpo13+1"];
const JUDGED = path.join(ROOT, "test", "abi", "judged.json");
const log = (m) => console.log(`test:abi-tree: ${m}`);

const { compareAbi } = await import(path.join(ROOT, "generator/dist/abi/run.js"));
const { countFindings, rowsText } = await import(path.join(ROOT, "generator/dist/abi/format.js"));
const { mergeRows } = await import(path.join(ROOT, "generator/dist/abi/compare.js"));
const { ABI_ROWS } = await import(path.join(ROOT, "generator/dist/target/abi-rows.js"));
const { ABIS } = await import(path.join(ROOT, "generator/dist/target/abi.js"));

const [oldDir, newDir] = VERSIONS.map((v) => libcDevInclude(v, log, HISTORY_SUITES));
const rows = ABI_ROWS.map((r) => ABIS[r.name]);
const names = rows.map((r) => r.name);
// --part i/n FILE (internal): compare on every n-th row, starting at the i-th, and write the
// result as JSON to FILE. The parent runs JOBS parts side by side and merges their rows.
const part = process.argv.indexOf("--part");
if (part > 0) {
  const [i, n] = process.argv[part + 1].split("/").map(Number);
  const r = compareAbi(oldDir, newDir, { rows: rows.filter((_, k) => k % n === i) });
  fs.writeFileSync(process.argv[part + 2], JSON.stringify(r));
  process.exit(0);
}
const JOBS = Math.max(1, Math.min(Number(process.env.ABI_JOBS ?? os.availableParallelism()), rows.length));
const started = Date.now();
log(`comparing ${oldDir} and ${newDir} on ${rows.length} rows, ${JOBS} process(es)`);
const parts = await Promise.all(
  Array.from({ length: JOBS }, (_, i) =>
    new Promise((resolve, reject) => {
      const out = path.join(os.tmpdir(), `abi-tree-part-${process.pid}-${i}.json`);
      execFile(process.execPath, [fileURLToPath(import.meta.url), "--part", `${i}/${JOBS}`, out], { maxBuffer: 1 << 26 }, (err) => {
        if (err) return reject(err);
        const r = JSON.parse(fs.readFileSync(out, "utf8"));
        fs.rmSync(out, { force: true });
        resolve(r);
      });
    }),
  ),
);
const result = { findings: mergeRows(parts.flatMap((p) => p.findings), names), headers: parts[0].headers };
for (const k of ["builds", "failed", "unchanged"]) result[k] = parts.reduce((s, p) => s + p[k], 0);
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const counts = countFindings(result.findings);
log(`${result.headers} headers, ${result.builds} builds (${result.failed} failed), ${result.unchanged} header × row pairs unchanged, ${seconds} s`);
for (const [cls, c] of Object.entries(counts)) {
  log(`${cls}: ${c.total}`);
  for (const [rule, n] of Object.entries(c.rules).sort((a, b) => b[1] - a[1])) log(`  ${rule}: ${n}`);
}

/** What identifies a finding across runs: its rule, header, declaration, message and rows. */
const keyOf = (f) => `${f.rule} ${f.header} ${f.decl}${f.member ? `.${f.member}` : ""}: ${f.message} (on ${rowsText(f.rows, names)})`;
const judged = fs.existsSync(JUDGED) ? JSON.parse(fs.readFileSync(JUDGED, "utf8")) : { findings: [] };
const byKey = new Map(judged.findings.map((j) => [j.key, j]));
const found = result.findings.filter((f) => f.class !== "extension");
const foundKeys = new Set(found.map(keyOf));
if (process.argv.includes("--list")) for (const f of found) console.log(`${f.class}: ${keyOf(f)}`);
const unjudged = found.filter((f) => !byKey.has(keyOf(f)));
const stale = judged.findings.filter((j) => !foundKeys.has(j.key));
const pending = judged.findings.filter((j) => foundKeys.has(j.key) && j.verdict === "unjudged");
if (process.argv.includes("--write-unjudged") && unjudged.length) {
  judged.findings.push(...unjudged.map((f) => ({ key: keyOf(f), class: f.class, verdict: "unjudged", reason: "" })));
  judged.findings.sort((a, b) => a.key.localeCompare(b.key));
  fs.writeFileSync(JUDGED, `${JSON.stringify(judged, null, 2)}\n`);
  log(`wrote ${unjudged.length} unjudged finding(s) to ${path.relative(ROOT, JUDGED)}`);
}
const verdicts = {};
for (const j of judged.findings) if (foundKeys.has(j.key)) verdicts[j.verdict] = (verdicts[j.verdict] ?? 0) + 1;
log(`judged: ${Object.entries(verdicts).map(([v, n]) => `${v} ${n}`).join(", ") || "none"}`);
for (const f of unjudged) console.error(`test:abi-tree: not judged: ${keyOf(f)}`);
for (const j of stale) console.error(`test:abi-tree: judged but no longer found: ${j.key}`);
for (const j of pending) console.error(`test:abi-tree: still unjudged: ${j.key}`);
if (unjudged.length || stale.length || pending.length) {
  console.error(`test:abi-tree: FAIL: ${unjudged.length} not judged, ${stale.length} stale, ${pending.length} unjudged in ${path.relative(ROOT, JUDGED)}`);
  process.exit(1);
}
log("ok");
