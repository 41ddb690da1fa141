// The codec checks on records the whole-tree survey (npm run survey) found them or the emitter
// getting wrong (test/fixtures/linux/codec-edges.h): reserved bitfields, reserved members in a
// two-dimensional array of records, an array of double, bitfields declared in byte order, a
// bitfield in a union, and a char array signed on some rows and unsigned on others.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { getAbi } from "#generator/target/abi.js";
import { includeDirsFor } from "#generator/model/build.js";
import { FIXTURE_INCLUDES, ROOT, X86_64 } from "../helpers.js";
import { checkRoundTrips, checkSamples, type CheckSpec, type CodecModule } from "./check.js";
import { runChecks } from "./harness.js";
import { gccSamples } from "./samples.js";
import { shapesFor } from "./shapes.js";

const HEADER = path.join(ROOT, "test", "fixtures", "linux", "codec-edges.h");
const MODULE = path.join(ROOT, "dist", "test", "fixtures", "golden", "codec-edges.js");

function spec(arch: string, gcc?: string): CheckSpec {
  const abi = getAbi(arch)!;
  const shapes = shapesFor(HEADER, abi, FIXTURE_INCLUDES);
  const samples = gcc ? gccSamples(shapes, { gcc, include: "linux/codec-edges.h", includeDirs: includeDirsFor(HEADER, abi, FIXTURE_INCLUDES) }) : undefined;
  return { label: "codec-edges.h", module: MODULE, arch, littleEndian: abi.endian === "little", shapes, samples, runs: 50 };
}

test("x86_64: the edge records round-trip and write exactly gcc's bytes", async () => {
  const s = spec(X86_64.name, "gcc");
  const mod = (await import(pathToFileURL(MODULE).href)) as CodecModule;
  assert.equal(checkRoundTrips(mod, s), 8);
  assert.ok(checkSamples(mod, s) >= 10);
  // The double array's sample: numbers in every element (encode refuses a bigint there).
  const fp = s.samples!.find((x) => x.record === "edge_fp_regs" && x.designator === ".fprs[3]")!;
  assert.deepEqual((fp.value as { fprs: unknown[] }).fprs.map((x) => typeof x), ["number", "number", "number", "number"]);
});

test("s390x (UAPIGEN_ARCH=s390x): the edge records round-trip big-endian", () => {
  const r = runChecks([spec("s390x")], { override: "s390x" });
  assert.equal(r.status, 0, r.output);
});
