#!/usr/bin/env node
// npm run test:lint-history — doc-only fixes between Debian's linux-libc-dev versions (bullseye
// 5.10, bookworm 6.1, trixie 6.12, trixie-backports 7.2 and 7.3): for each kerneldoc comment
// that changed above an unchanged declaration, the defect the fix removed (from the diff alone),
// and whether `uapigen lint` on the old header reports it. Prints caught / total per kind (the
// README's table) and fails below THRESHOLD. Needs `npm run build` first.
// --list: print every defect with caught or missed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HISTORY_SUITES } from "./lib/debian.mjs";
import { libcDevInclude } from "./lib/kernel-source.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VERSIONS = ["5.10.223-1", "6.1.176-1", "6.12.117-1", "7.2.12-1~bpo13+1", "7.3.4-1~bpo13+1"];
// The goal the issue set; 155 / 162 measured (README).
const THRESHOLD = 0.95;
const list = process.argv.includes("--list");
const log = (m) => console.log(`test:lint-history: ${m}`);

const { lintHeaders } = await import(path.join(ROOT, "generator/dist/lint/lint.js"));
const { getAbi } = await import(path.join(ROOT, "generator/dist/target/abi.js"));
const { includeDirsFor } = await import(path.join(ROOT, "generator/dist/model/build.js"));
const { worldNames } = await import(path.join(ROOT, "generator/dist/lint/world.js"));
const { docOnlyChanges, defectsOf, isCaught } = await import(path.join(ROOT, "dist/test/lint/history-compare.js"));
const abi = getAbi("x86_64");

const includes = VERSIONS.map((v) => libcDevInclude(v, log, HISTORY_SUITES));
const totals = new Map();
const rows = [];
for (let i = 0; i + 1 < VERSIONS.length; i++) {
  const [oldDir, newDir] = [includes[i], includes[i + 1]];
  const defined = worldNames([oldDir, path.join(oldDir, abi.triplet)]);
  for (const name of fs.readdirSync(path.join(oldDir, "linux")).filter((f) => f.endsWith(".h")).sort()) {
    const [oldFile, newFile] = [path.join(oldDir, "linux", name), path.join(newDir, "linux", name)];
    if (!fs.existsSync(newFile)) continue;
    const [oldText, newText] = [fs.readFileSync(oldFile, "utf8"), fs.readFileSync(newFile, "utf8")];
    if (oldText === newText) continue;
    const defects = docOnlyChanges(oldText, newText).flatMap(({ before, after }) => defectsOf(before, after, defined));
    if (!defects.length) continue;
    let findings;
    try {
      findings = lintHeaders([oldFile], { abi, includeDirs: includeDirsFor(oldFile, abi, [oldDir, path.join(oldDir, abi.triplet)]) }).filter((f) => f.loc.file === oldFile);
    } catch (err) {
      // A header lint cannot read: all its defects count as missed, and say why.
      console.error(`${VERSIONS[i]} ${name}: ${String(err?.message ?? err).split("\n")[0]}`);
      findings = [];
    }
    const linted = findings.map((f) => ({ line: f.loc.line, rule: f.rule, name: f.name }));
    for (const d of defects) {
      const caught = isCaught(d, linted);
      const t = totals.get(d.kind) ?? { caught: 0, total: 0 };
      t.total++;
      if (caught) t.caught++;
      totals.set(d.kind, t);
      rows.push({ version: VERSIONS[i].split("-")[0], header: name, ...d, caught });
    }
  }
}

if (list) for (const r of rows) console.log(`${r.caught ? "caught" : "MISSED"} ${r.version} ${r.header}:${r.line} ${r.kind} ${r.name}`);
let caught = 0;
let total = 0;
for (const [kind, t] of [...totals].sort()) {
  log(`${kind}: ${t.caught} / ${t.total}`);
  caught += t.caught;
  total += t.total;
}
log(`all: ${caught} / ${total} (${((100 * caught) / Math.max(1, total)).toFixed(1)}%), threshold ${THRESHOLD * 100}%`);
for (const r of rows) if (!r.caught) console.error(`MISSED ${r.version} ${r.header}:${r.line} ${r.kind} ${r.name}`);
if (caught < THRESHOLD * total) process.exit(1);
log("ok");
