#!/usr/bin/env node
// node scripts/compare-abidiff.mjs — `uapigen abi` next to libabigail's abidiff on x86_64, the way
// the kernel's scripts/check-uapi.sh runs it: each linux/*.h whose text differs between
// linux-libc-dev 6.12 and 7.3 is compiled to an object with -g (unused types kept), abidw dumps
// its types, abidiff compares the dumps (exit bit 8: an incompatible change). Prints the headers
// where one tool reports an incompatible type change and the other does not. Needs abigail-tools
// (Debian) and `npm run build`. abidiff sees types only (never macros), uapigen's constant
// findings are left out of the comparison.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HISTORY_SUITES } from "./lib/debian.mjs";
import { libcDevInclude } from "./lib/kernel-source.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { compareAbi } = await import(path.join(ROOT, "generator/dist/abi/run.js"));
const { getAbi } = await import(path.join(ROOT, "generator/dist/target/abi.js"));
const log = (m) => console.log(`compare-abidiff: ${m}`);
const [oldDir, newDir] = ["6.12.117-1", "7.3.4-1~bpo13+1"].map((v) => libcDevInclude(v, log, HISTORY_SUITES));
const abi = getAbi("x86_64");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "abi-abidiff-"));
// The type rules abidiff can see: layouts, typedefs and enumerators (not macros, not headers).
const TYPE_RULES = new Set(["record-removed", "record-size", "record-shrunk", "member-removed", "member-reordered", "member-offset", "member-size", "member-type", "member-signedness", "reserved-shrunk", "typedef-changed", "typedef-removed", "enumerator-value", "enumerator-removed"]);

function dump(dir, name, tag) {
  const obj = path.join(work, `${tag}-${name.replace(/\W/g, "_")}.o`);
  const xml = `${obj}.xml`;
  // One symbol, or abidw finds no ELF symbol table to read; --load-all-types keeps every type.
  const src = `${obj}.c`;
  fs.writeFileSync(src, `#include <linux/${name}>\nint uapigen_abi_anchor;\n`);
  const cc = spawnSync("gcc", ["-c", "-o", obj, src, "-fno-eliminate-unused-debug-types", "-g", `-I${dir}`, `-I${path.join(dir, abi.triplet)}`], { encoding: "utf8" });
  if (cc.status !== 0) return undefined;
  execFileSync("abidw", ["--no-architecture", "--no-corpus-path", "--load-all-types", "--out-file", xml, obj]);
  return xml;
}

const rows = [];
const totals = { changed: 0, compiled: 0, abidiff: 0, uapigen: 0, both: 0 };
try {
  for (const name of fs.readdirSync(path.join(oldDir, "linux")).filter((f) => f.endsWith(".h")).sort()) {
    const [o, n] = [path.join(oldDir, "linux", name), path.join(newDir, "linux", name)];
    if (!fs.existsSync(n) || fs.readFileSync(o, "utf8") === fs.readFileSync(n, "utf8")) continue;
    totals.changed++;
    const [ox, nx] = [dump(oldDir, name, "old"), dump(newDir, name, "new")];
    if (!ox || !nx) {
      rows.push({ name, abidiff: "gcc cannot compile it alone", uapigen: "-" });
      continue;
    }
    const d = spawnSync("abidiff", ["--non-reachable-types", "--no-added-syms", ox, nx], { encoding: "utf8" });
    const abidiffBreaks = (d.status & 8) !== 0;
    const { findings } = compareAbi(o, n, { rows: [abi] });
    const ours = findings.filter((f) => f.class === "breaking" && TYPE_RULES.has(f.rule) && f.header === `linux/${name}`);
    const unbuilt = findings.some((f) => f.rule === "unbuildable");
    totals.compiled++;
    if (abidiffBreaks) totals.abidiff++;
    if (ours.length) totals.uapigen++;
    if (abidiffBreaks && ours.length) totals.both++;
    if (abidiffBreaks !== ours.length > 0) {
      rows.push({ name, abidiff: abidiffBreaks ? `change (exit ${d.status}): ${d.stdout.split("\n").filter((l) => /changed|removed|added/.test(l)).slice(0, 2).join(" / ").trim()}` : "no change", uapigen: ours.length ? ours.map((f) => `${f.rule} ${f.decl}${f.member ? `.${f.member}` : ""}`).join(", ") : unbuilt ? "unbuildable here" : `no breaking type change; instead: ${[...new Set(findings.filter((f) => f.header === `linux/${name}` && !/-added$|moved-to-include/.test(f.rule)).map((f) => f.rule))].join(", ") || "only additions"}` });
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
for (const r of rows) console.log(`${r.name}\n  abidiff: ${r.abidiff}\n  uapigen: ${r.uapigen}`);
log(`${totals.changed} linux/*.h changed, ${totals.compiled} compiled alone by gcc; an incompatible type change by abidiff in ${totals.abidiff}, a breaking type change by uapigen in ${totals.uapigen}, both in ${totals.both}`);
log(`${rows.length} header(s) where the two disagree`);
