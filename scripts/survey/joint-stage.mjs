// One module for both rows, as `uapigen generate` makes one for every row it is given: each
// linux/*.h that gcc compiles on x86_64 and on s390x is generated once for the two. A record
// declared on one row only, or typed differently, cannot be one module; this stage counts the
// headers that can and names why the others cannot.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { firstError, load } from "./generate-stage.mjs";
import { includeDirs, jointIncludeDirs, ROWS } from "./tree.mjs";

const rowDirs = new Map();

/** Runs the joint generation for one linux/*.h; returns its result. */
export async function jointJob(job, { root, work, include }) {
  const { dist, generate, PRELUDE, InputError } = await load(root);
  const result = { row: ROWS.map((r) => r.name).join("+"), header: job.include };
  for (const row of ROWS) {
    if (!rowDirs.has(row.name)) rowDirs.set(row.name, includeDirs(include, row));
    const flags = ["-nostdinc", "-include", PRELUDE, ...rowDirs.get(row.name).flatMap((d) => ["-I", d])];
    const cc = spawnSync(row.gcc, [...flags, "-fsyntax-only", "-x", "c", "-"], { input: `#include <${job.include}>\n`, encoding: "utf8" });
    if (cc.status !== 0) return { ...result, stage: "gcc", reason: `${row.name}: ${firstError(cc.stderr).replaceAll(include + "/", "")}` };
  }
  try {
    const out = path.join(work, "joint", job.include.replace(/\.h$/, ""));
    await generate({ headers: [job.file], out, includeDirs: jointIncludeDirs(include, work), arches: ROWS.map((r) => r.name), runtime: path.join(dist("."), "..", "runtime", "dist") });
    return { ...result, stage: "ok" };
  } catch (err) {
    if (err instanceof InputError) return { ...result, stage: "generate", reason: `${err.diagnostic.rule}: ${err.message.replaceAll(include + "/", "")}` };
    return { ...result, stage: "generate", reason: String(err.stack).split("\n").slice(0, 3).join(" | "), crash: true };
  }
}
