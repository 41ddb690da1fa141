// Host side of the codec checks: builds check specs (shapes, optionally gcc samples) and runs
// check.run.js in a child Node with the row selected, so each row loads its own layouts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Abi } from "#generator/target/abi.js";
import { includeDirsFor } from "#generator/model/build.js";
import { FIXTURE, FIXTURE_INCLUDES, header, ROOT } from "../helpers.js";
import { toJson, type CheckSpec } from "./check.js";
import { gccSamples } from "./samples.js";
import { shapesFor } from "./shapes.js";

/** The generated modules under test, with their header and -I list (x86_64 triplet; swapped per row). */
export const CODEC_MODULES: { label: string; module: string; header: string; include: string; includeDirs?: string[] }[] = [
  { label: "iommufd.h", module: path.join(ROOT, "linux", "dist", "generated", "iommufd.js"), header: header("7.3", "iommufd.h"), include: "linux/iommufd.h" },
  { label: "vfio.h", module: path.join(ROOT, "linux", "dist", "generated", "vfio.js"), header: header("7.3", "vfio.h"), include: "linux/vfio.h" },
  { label: "constructs.h", module: path.join(ROOT, "dist", "test", "fixtures", "golden", "constructs.js"), header: FIXTURE, include: "linux/constructs.h", includeDirs: FIXTURE_INCLUDES },
];

/** Specs for one row; with `gcc`, each carries that compiler's byte samples. */
export function specsFor(abi: Abi, gcc?: string, runs?: number): CheckSpec[] {
  return CODEC_MODULES.map((m) => {
    const shapes = shapesFor(m.header, abi, m.includeDirs);
    const dirs = includeDirsFor(m.header, abi, m.includeDirs);
    const samples = gcc ? gccSamples(shapes, { gcc, include: m.include, includeDirs: dirs }) : undefined;
    return { label: m.label, module: m.module, arch: abi.name, littleEndian: abi.endian === "little", shapes, samples, runs };
  });
}

export interface ChildRun {
  status: number | null;
  output: string;
}

/**
 * Runs check.run.js on `specs` with `command` (default: this Node). `override` sets UAPIGEN_ARCH;
 * a native run of another machine's Node leaves it unset.
 */
export function runChecks(specs: CheckSpec[], opts: { command?: string[]; override?: string; timeoutMs?: number } = {}): ChildRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-check-"));
  try {
    const specFile = path.join(dir, "spec.json");
    fs.writeFileSync(specFile, toJson(specs));
    const [cmd, ...args] = opts.command ?? [process.execPath];
    const env: NodeJS.ProcessEnv = { ...process.env, UAPIGEN_CHECK_SPEC: specFile };
    delete env.UAPIGEN_ARCH;
    delete env.NODE_TEST_CONTEXT;
    if (opts.override) env.UAPIGEN_ARCH = opts.override;
    const r = spawnSync(cmd!, [...args, path.join(ROOT, "dist", "test", "codec", "check.run.js")], { env, encoding: "utf8", timeout: opts.timeoutMs ?? 600_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
