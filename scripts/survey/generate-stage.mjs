// Stage 1, per row and header: gcc compiles the header alone (with the prelude)? uapigen
// generates its modules; the layout oracle compares them with gcc; gcc evaluates the requests and
// initialises one object per member for the codec checks (test/codec/samples.ts). What the later
// stages need is written to a spec file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { includeDirs, rowNamed } from "./tree.mjs";
import { gccRequests } from "./requests.mjs";

/**
 * Where a job's generated modules and its spec go: a folder per header and row, as a user's run
 * for that header would have (the modules of its included headers beside it), so that no job
 * overwrites another's.
 */
export function jobPaths(work, job) {
  const stem = job.include.replace(/\.h$/, "");
  const base = path.basename(stem);
  return { ts: path.join(work, "ts", job.row, stem, `${base}.ts`), js: path.join(work, "js", job.row, stem, `${base}.js`), spec: path.join(work, "specs", job.row, `${stem}.json`), outDir: path.join(work, "ts", job.row, stem) };
}

export const firstError = (stderr) => String(stderr).split("\n").find((l) => /error/.test(l))?.trim() ?? "gcc error";

let loaded;

/** Imports uapigen's build (generator/dist/) and the codec harness (dist/test/) once per worker, by name. */
export async function load(root) {
  const dist = (p) => (p.startsWith("generator/") ? path.join(root, "generator", "dist", p.slice("generator/".length)) : path.join(root, "dist", p));
  if (loaded) return loaded;
  const from = async (file, names) => {
    const mod = await import(dist(file));
    return Object.fromEntries(names.map((n) => [n, mod[n]]));
  };
  loaded = {
    dist,
    ...(await from("generator/cli/generate.js", ["generate"])),
    ...(await from("generator/target/abi.js", ["getAbi"])),
    ...(await from("generator/model/build.js", ["buildHeader", "includeDirsFor", "PRELUDE"])),
    ...(await from("generator/ir/diagnostics.js", ["InputError"])),
    ...(await from("generator/model/report.js", ["layoutReport"])),
    ...(await from("test/codec/shapes.js", ["shapesOf", "rowChoices"])),
    ...(await from("test/codec/samples.js", ["gccSamples"])),
    ...(await from("test/codec/check.js", ["toJson"])),
    ...(await from("test/oracle/gcc-oracle.js", ["runOracle"])),
  };
  return loaded;
}

const dirsByRow = new Map();

/** Runs stage 1 for one job; returns its result (stage "generated" when it got through). */
export async function generateJob(job, { root, work, include }) {
  const { dist, generate, getAbi, buildHeader, includeDirsFor, PRELUDE, InputError, rowChoices, shapesOf, gccSamples, toJson, layoutReport, runOracle } = await load(root);
  const row = rowNamed(job.row);
  const abi = getAbi(row.name);
  if (!dirsByRow.has(row.name)) dirsByRow.set(row.name, includeDirs(include, row));
  const dirs = dirsByRow.get(row.name);
  // gcc looks where uapigen looks, and reads the prelude first, as uapigen does.
  const preludeFlags = ["-nostdinc", "-include", PRELUDE];
  const flags = [...preludeFlags, ...dirs.flatMap((d) => ["-I", d])];
  const result = { row: row.name, header: job.include };
  const paths = jobPaths(work, job);
  const tmp = fs.mkdtempSync(path.join(work, "tmp-"));
  const done = (stage, reason, extra = {}) => ({ ...result, stage, reason, ...extra });
  try {
    // The header alone, as a C program would include it.
    const cc = spawnSync(row.gcc, [...flags, "-fsyntax-only", "-x", "c", "-"], { input: `#include <${job.include}>\n`, encoding: "utf8" });
    if (cc.status !== 0) return done("gcc", firstError(cc.stderr).replaceAll(include + "/", ""));
    result.requests = gccRequests({ gcc: row.gcc, flags, include: job.include, header: job.file, endian: row.endian, dir: tmp });
    let built;
    try {
      await generate({ headers: [job.file], out: paths.outDir, includeDirs: dirs, arches: [row.name], runtime: path.join(dist("."), "..", "runtime", "dist") });
      built = buildHeader(job.file, { abi, includeDirs: includeDirsFor(job.file, abi, dirs) });
    } catch (err) {
      if (err instanceof InputError) return done("generate", `${err.diagnostic.rule}: ${err.message.replaceAll(include + "/", "")}`);
      return done("generate", String(err.stack).split("\n").slice(0, 3).join(" | "), { crash: true });
    }
    // The layout oracle: every record, member, constant and request against the row's gcc.
    const oracle = runOracle({
      header: job.file,
      include: job.include,
      includeDirs: dirs,
      report: layoutReport(built.model, built.layout),
      otherDefines: built.model.otherDefines,
      gcc: row.gcc,
      objcopy: row.gcc.replace(/gcc$/, "objcopy"),
      endian: row.endian,
      gccFlags: [...preludeFlags, "-w"], // -w: cyclades.h's #warning is no finding
    });
    result.oracle = { checked: oracle.checked, mismatches: oracle.mismatches };
    const unevaluated = Object.fromEntries(built.model.otherDefines.filter((o) => o.unevaluated).map((o) => [o.name, o.reason]));
    const spec = { label: job.include, module: paths.js, arch: row.name, littleEndian: row.endian === "little", shapes: {}, samples: [], runs: 10 };
    let samplesError;
    try {
      spec.shapes = shapesOf(built, rowChoices([built]));
      if (Object.values(spec.shapes).some((s) => s.cType)) spec.samples = gccSamples(spec.shapes, { gcc: row.gcc, include: job.include, includeDirs: dirs, flags: preludeFlags });
    } catch (err) {
      // The module is still type-checked and loaded; its round trip reports this.
      samplesError = `gcc's samples: ${firstError(err.stderr ?? err.message)}`;
    }
    fs.mkdirSync(path.dirname(paths.spec), { recursive: true });
    fs.writeFileSync(paths.spec, toJson({ spec, samplesError, requests: result.requests, unevaluated }));
    return done("generated", undefined, { spec: paths.spec, ts: path.relative(path.join(work, "ts"), paths.ts) });
  } catch (err) {
    return done("survey", String(err.stack).split("\n").slice(0, 3).join(" | "), { crash: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
