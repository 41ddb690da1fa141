// The generated codecs on every ABI row: each row's cross compiler initialises one object per
// member, and the codecs, loaded with that row's layouts (UAPIGEN_ARCH), must write exactly those
// bytes and read them back; fast-check round trips run too. Then the same checks run natively
// on a big-endian machine: real s390x Node under qemu-user, with no override.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ABIS, getAbi } from "#generator/target/abi.js";
import { runChecks, specsFor } from "../codec/harness.js";
import { CROSS_GCC, S390X_NODE_ENV } from "./cross.js";

const summary = (output: string) => output.split("\n").filter((l) => /codecs round-trip/.test(l)).map((l) => l.trim());

for (const abi of Object.values(ABIS)) {
  test(`${abi.name}: the codecs write exactly what ${CROSS_GCC[abi.name]} lays out, and round-trip`, () => {
    const r = runChecks(specsFor(abi, CROSS_GCC[abi.name]), { override: abi.name });
    assert.equal(r.status, 0, r.output);
    const lines = summary(r.output);
    assert.equal(lines.length, 3, r.output);
    console.log(lines.join("\n"));
  });
}

test("s390x, natively: the codec checks pass under a real big-endian Node (qemu-s390x-static)", () => {
  const command = process.env[S390X_NODE_ENV];
  assert.ok(command, `${S390X_NODE_ENV} is not set: run this through \`npm run test:arch\`, which installs qemu-user-static and node-linux-s390x`);
  const r = runChecks(specsFor(getAbi("s390x")!, CROSS_GCC.s390x), { command: command.split(" "), timeoutMs: 900_000 });
  assert.equal(r.status, 0, r.output);
  const lines = summary(r.output);
  assert.equal(lines.length, 3, r.output);
  for (const l of lines) assert.match(l, /on s390x \(s390x\)/, "process.arch must be the real s390x");
  console.log(lines.join("\n"));
});
