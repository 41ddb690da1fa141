// Every codec of the generated modules (iommufd.h, vfio.h, the constructs fixture), on this
// machine and, through UAPIGEN_ARCH, on a 32-bit and a big-endian row: fast-check round trips,
// and byte-for-byte agreement with objects the host gcc initialised. `npm run test:arch` runs the
// same checks for every row with its own cross compiler and under real s390x Node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { getAbi } from "#generator/target/abi.js";
import { checkRoundTrips, checkSamples, type CodecModule } from "./check.js";
import { CODEC_MODULES, runChecks, specsFor } from "./harness.js";
import { X86_64 } from "../helpers.js";

test("x86_64 (in process): every codec round-trips and writes exactly gcc's bytes", async () => {
  for (const spec of specsFor(X86_64, "gcc")) {
    const mod = (await import(pathToFileURL(CODEC_MODULES.find((m) => m.label === spec.label)!.module).href)) as CodecModule;
    assert.ok(checkRoundTrips(mod, spec) > 5, spec.label);
    assert.ok(checkSamples(mod, spec) > 20, `${spec.label}: samples`);
  }
});

for (const name of ["i386", "s390x"]) {
  test(`${name} (UAPIGEN_ARCH=${name}): every codec round-trips with that row's layouts and byte order`, () => {
    const r = runChecks(specsFor(getAbi(name)!, undefined, 10), { override: name });
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /constructs\.h on \w+ \(x64\): \d+ codecs round-trip/);
  });
}
