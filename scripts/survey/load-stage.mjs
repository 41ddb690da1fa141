// Stages 3 and 4, in a Node whose UAPIGEN_ARCH names the row: each module and its typed-call
// module load; every codec round-trips and writes exactly gcc's bytes (test/codec/check.ts);
// each request gcc evaluates is compared with what the module exports under that name.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const firstLine = (err) => String(err?.message ?? err).split("\n")[0];

/** The module's requests against gcc's: matched, and each dropped or mismatched one with why. */
export function compareRequests(mod, requests, unevaluated) {
  const matched = [];
  const dropped = {};
  const mismatched = {};
  for (const [name, value] of Object.entries(requests.values)) {
    const mine = mod[name];
    if (typeof mine !== "number" && typeof mine !== "bigint") dropped[name] = unevaluated[name] ?? (mine === undefined ? "not exported" : `exported as ${typeof mine}`);
    else if (BigInt.asUintN(64, BigInt(mine)) !== BigInt(value)) mismatched[name] = `uapigen ${BigInt(mine)}, gcc ${value}`;
    else matched.push(name);
  }
  return { matched: matched.length, dropped, mismatched };
}

/** Why a check failed: its message, and for an assertion what it got. */
function failure(err) {
  const got = err && "actual" in err && "expected" in err && typeof err.actual !== "object" ? ` (got ${err.actual}, expected ${err.expected})` : "";
  return `${firstLine(err)}${got}`;
}

let checks;

/** Runs stages 3 and 4 for one spec file; returns the module's result. */
export async function loadJob(file, { root }) {
  checks ??= await import(pathToFileURL(path.join(root, "dist", "test", "codec", "check.js")).href);
  const { spec, samplesError, requests, unevaluated } = checks.fromJson(fs.readFileSync(file, "utf8"));
  const result = { row: spec.arch, header: spec.label };
  let mod;
  try {
    mod = await import(pathToFileURL(spec.module).href);
    await import(pathToFileURL(spec.module.replace(/\.js$/, "-ioctls.js")).href);
  } catch (err) {
    return { ...result, stage: "load", reason: firstLine(err) };
  }
  result.requests = compareRequests(mod, requests, unevaluated);
  try {
    if (samplesError) throw new Error(samplesError);
    result.codecs = checks.checkRoundTrips(mod, spec);
    result.samples = checks.checkSamples(mod, spec);
  } catch (err) {
    return { ...result, stage: "round-trip", reason: failure(err) };
  }
  return { ...result, stage: "ok" };
}
