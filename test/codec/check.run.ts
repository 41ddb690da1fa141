// Runs the codec checks of a spec file (UAPIGEN_CHECK_SPEC, written by harness.ts) in this
// process, whichever Node runs it: the host's with UAPIGEN_ARCH naming another row, or a real
// big-endian Node under qemu. Imports no generator code.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { targetArch } from "#runtime/arch.js";
import { checkRoundTrips, checkSamples, fromJson, type CheckSpec, type CodecModule } from "./check.js";

const specs = fromJson<CheckSpec[]>(fs.readFileSync(process.env.UAPIGEN_CHECK_SPEC ?? assert.fail("UAPIGEN_CHECK_SPEC is not set"), "utf8"));

for (const spec of specs) {
  test(`${spec.label} on ${spec.arch}: round trips and gcc's bytes`, async () => {
    assert.equal(targetArch(), spec.arch, "the module must load this row's layouts");
    const mod = (await import(pathToFileURL(spec.module).href)) as CodecModule;
    const codecs = checkRoundTrips(mod, spec);
    const samples = checkSamples(mod, spec);
    assert.ok(codecs > 5, `${codecs} codecs checked`);
    console.log(`${spec.label} on ${spec.arch} (${process.arch}): ${codecs} codecs round-trip, ${samples} gcc samples byte-exact`);
  });
}
