#!/usr/bin/env node
// npm run survey -- [version]: the whole-tree proof. For every linux/*.h and asm/*.h of Debian's
// linux-libc-dev (default 7.3.4-1~bpo13+1), on x86_64 and on big-endian s390x (its cross gcc as
// the oracle): gcc compiles the header alone with the prelude; uapigen generates its modules;
// `tsc --strict` type-checks them; Node loads them with the row's layouts; every codec
// round-trips against the bytes gcc lays out; and every request number gcc evaluates is compared
// with the one the module exports. Needs `npm run build` and s390x-linux-gnu-gcc (`npm run
// test:arch` installs it). SURVEY_OUT=file.json writes every result; a crash exits 1.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runPool } from "./survey/pool.mjs";
import { merge, print, printJoint, summarise } from "./survey/report.mjs";
import { libcDevInclude } from "./lib/kernel-source.mjs";
import { DEFAULT_VERSION, jointIncludeDirs, ROWS, surveyJobs } from "./survey/tree.mjs";
import { typecheck } from "./survey/typecheck.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const version = process.argv[2] ?? DEFAULT_VERSION;
const started = performance.now();
const include = libcDevInclude(version, (m) => console.log(`survey: ${m}`));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-survey-"));
const size = Math.max(1, os.availableParallelism());
const stamp = (what) => console.error(`survey: ${what} (${Math.round((performance.now() - started) / 1000)} s)`);
try {
  const jobs = surveyJobs(include).filter((j) => !process.env.SURVEY_ONLY || new RegExp(process.env.SURVEY_ONLY).test(`${j.row} ${j.include}`));
  stamp(`${jobs.length} row-header pairs`);
  const generated = await runPool("generate", jobs, { size, context: { root: ROOT, work, include } });
  stamp("generated");
  jointIncludeDirs(include, work); // links each row's libc before the workers look
  const linuxJobs = jobs.filter((j) => j.row === ROWS[0].name && j.include.startsWith("linux/"));
  const joint = await runPool("joint", linuxJobs, { size, context: { root: ROOT, work, include } });
  stamp("generated as one module for both rows");
  const { errors } = typecheck(ROOT, work);
  stamp("type-checked");
  const loaded = [];
  for (const row of ROWS) {
    // The row's layouts and byte order, chosen when each module loads.
    const specs = generated.filter((g) => g.row === row.name && g.stage === "generated").map((g) => g.spec);
    loaded.push(...(await runPool("load", specs, { size, env: { ...process.env, UAPIGEN_ARCH: row.name }, context: { root: ROOT } })));
  }
  stamp("loaded and checked");
  const results = merge(generated, errors, loaded);
  const seconds = (performance.now() - started) / 1000;
  const summary = summarise(results, ROWS.map((r) => r.name));
  print(version, results, summary, seconds);
  printJoint(joint);
  if (process.env.SURVEY_OUT) fs.writeFileSync(process.env.SURVEY_OUT, JSON.stringify({ version, seconds, summary, results, joint }, null, 1));
  process.exitCode = summary.some((s) => s.crashes) || joint.some((j) => j.crash) ? 1 : 0;
} finally {
  if (!process.env.SURVEY_KEEP) fs.rmSync(work, { recursive: true, force: true });
}
