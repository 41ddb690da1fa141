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

/** Why a check failed: its message, and for an assertion what it got (bytes: the first that differs). */
function failure(err) {
  if (process.env.SURVEY_DEBUG) console.error(String(err?.stack ?? err).slice(0, 3000));
  if (!err || !("actual" in err) || typeof err.actual === "object") return firstLine(err);
  const [got, expected] = [String(err.actual), String(err.expected)];
  const hex = /^[0-9a-f]+$/;
  if (got.length > 40 && hex.test(got) && hex.test(expected)) {
    let i = 0;
    while (i < got.length && got[i] === expected[i]) i++;
    const byte = i >> 1;
    return `${firstLine(err)} (byte ${byte}: got ${got.slice(byte * 2, byte * 2 + 2)}, expected ${expected.slice(byte * 2, byte * 2 + 2)})`;
  }
  return `${firstLine(err)} (got ${got}, expected ${expected})`;
}

let checks;

/** Runs stages 3 and 4 for one spec file; returns the module's result. */
export async function loadJob(file, { root }) {
  checks ??= await import(pathToFileURL(path.join(root, "dist", "test", "codec", "check.js")).href);
  const { spec, samplesError, requests, unevaluated } = checks.fromJson(fs.readFileSync(file, "utf8"));
  const result = { row: spec.arch, header: spec.label };
  let mod;
  // The codecs of the records the header holds from included headers are in those headers'
  // modules, beside it in the job's folder: the checks see them all, under their names.
  let codecs;
  try {
    mod = await import(pathToFileURL(spec.module).href);
    await import(pathToFileURL(spec.module.replace(/\.js$/, "-ioctls.js")).href);
    const folder = path.dirname(spec.module);
    const included = fs.readdirSync(folder, { recursive: true }).map((f) => path.join(folder, f)).filter((f) => f.endsWith(".js") && f !== spec.module && !f.endsWith("-ioctls.js"));
    codecs = Object.assign({}, ...(await Promise.all(included.map((f) => import(pathToFileURL(f).href)))), mod);
  } catch (err) {
    return { ...result, stage: "load", reason: firstLine(err) };
  }
  result.requests = compareRequests(mod, requests, unevaluated);
  try {
    if (samplesError) throw new Error(samplesError);
    result.codecs = checks.checkRoundTrips(codecs, spec);
    result.samples = checks.checkSamples(codecs, spec);
  } catch (err) {
    return { ...result, stage: "round-trip", reason: failure(err) };
  }
  return { ...result, stage: "ok" };
}
