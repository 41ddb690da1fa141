// Mutated headers (byte flips, truncation, deleted braces and comment ends, huge array lengths,
// recursive includes, deleted lines) never crash uapigen: each run either succeeds or fails
// with one located diagnostic. A seeded generator keeps failures reproducible.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { InputError } from "#generator/ir/diagnostics.js";
import { emitModule } from "#generator/emit/module.js";
import { buildText, CLI, header, ROOT, X86_64 } from "../helpers.js";

const SEED = Number(process.env.UAPIGEN_FUZZ_SEED ?? 20261125);
const IN_PROCESS = Number(process.env.UAPIGEN_FUZZ_RUNS ?? 400);
const THROUGH_CLI = 12;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (text: string, rnd: () => number) => string;

const pick = <T>(xs: T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;
const positions = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m.index!);

const MUTATIONS: Record<string, Mutation> = {
  flipByte: (t, r) => {
    const i = Math.floor(r() * t.length);
    return t.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + t.slice(i + 1);
  },
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  deleteBrace: (t, r) => {
    const at = positions(t, /[{}]/g);
    const i = pick(at, r);
    return t.slice(0, i) + t.slice(i + 1);
  },
  deleteCommentEnd: (t, r) => {
    const i = pick(positions(t, /\*\//g), r);
    return t.slice(0, i) + t.slice(i + 2);
  },
  hugeNumber: (t, r) => {
    const at = positions(t, /\b\d+\b/g);
    const i = pick(at, r);
    const end = i + /^\d+/.exec(t.slice(i))![0].length;
    return t.slice(0, i) + pick(["99999999999999999999999", "0x7fffffffffffffff", "4294967296", "-1", "0"], r) + t.slice(end);
  },
  hugeArray: (t, r) => {
    const at = positions(t, /;\n/g);
    const i = pick(at, r);
    return `${t.slice(0, i)};\n\t__u8 fuzz_array[${pick(["0x7fffffff", "1 << 40", "-3", "0x100000000"], r)}]` + t.slice(i);
  },
  recursiveInclude: (t) => `#include <linux/test.h>\n${t}`,
  deleteLine: (t, r) => {
    const lines = t.split("\n");
    lines.splice(Math.floor(r() * lines.length), 1);
    return lines.join("\n");
  },
  insertToken: (t, r) => {
    const i = Math.floor(r() * t.length);
    return t.slice(0, i) + pick([" #if ", "\n#endif\n", " ( ", " ) ", " __attribute__((", " struct ", " : 3 ", "##", "\\\n", " 'x ", ' "'], r) + t.slice(i);
  },
};

/** Builds (and for the first few successes, emits) a mutated header: success or InputError. */
async function run(text: string, emit: boolean): Promise<"ok" | "diagnostic"> {
  try {
    const built = buildText(text);
    if (emit) await emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
    return "ok";
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    assert.match(err.message, /^[^\n]+:\d+:\d+: error: [^\n]+ \[[\w-]+\]$/, "one located line");
    return "diagnostic";
  }
}

test(`fuzz: ${IN_PROCESS} mutated iommufd.h in-process never crash (seed ${SEED})`, async () => {
  const original = fs.readFileSync(header("7.3", "iommufd.h"), "utf8");
  const rnd = mulberry32(SEED);
  const names = Object.keys(MUTATIONS);
  const tally: Record<string, { ok: number; diagnostic: number }> = {};
  let emitted = 0;
  for (let n = 0; n < IN_PROCESS; n++) {
    const name = names[n % names.length]!;
    let text = original;
    const rounds = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < rounds; k++) text = MUTATIONS[name]!(text, rnd);
    let outcome: "ok" | "diagnostic";
    try {
      outcome = await run(text, emitted < 10);
    } catch (err) {
      throw new Error(`mutation #${n} (${name}, seed ${SEED}) crashed: ${(err as Error).stack}`);
    }
    if (outcome === "ok") emitted++;
    tally[name] ??= { ok: 0, diagnostic: 0 };
    tally[name][outcome]++;
  }
  console.log(`fuzz: ${IN_PROCESS} mutations, seed ${SEED}: ${JSON.stringify(tally)}`);
  // The fuzzer must exercise both outcomes, or it is not testing anything.
  const totals = Object.values(tally).reduce((a, t) => ({ ok: a.ok + t.ok, diagnostic: a.diagnostic + t.diagnostic }), { ok: 0, diagnostic: 0 });
  assert.ok(totals.ok > 0 && totals.diagnostic > IN_PROCESS / 4, JSON.stringify(totals));
});

test(`fuzz: ${THROUGH_CLI} mutated headers through the CLI exit 0 or 2, never crash, and never half-write`, () => {
  const original = fs.readFileSync(header("7.3", "iommufd.h"), "utf8");
  const rnd = mulberry32(SEED + 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-fuzz-"));
  const include = path.join(dir, "include");
  fs.mkdirSync(path.join(include, "linux"), { recursive: true });
  const out = path.join(dir, "out");
  fs.mkdirSync(out);
  const sentinel = path.join(out, "test.ts");
  fs.writeFileSync(sentinel, "// previous output\n");
  const names = Object.keys(MUTATIONS);
  let failures = 0;
  for (let n = 0; n < THROUGH_CLI; n++) {
    const name = names[n % names.length]!;
    const file = path.join(include, "linux", "test.h");
    fs.writeFileSync(file, MUTATIONS[name]!(original, rnd));
    const iflags = ["-I", include, "-I", path.join(ROOT, "headers", "7.3"), "-I", path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];
    for (const args of [["layout", file, "--json", ...iflags], ["generate", "--header", file, "--out", out, ...iflags]]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
      assert.ok(r.status === 0 || r.status === 2, `mutation ${name}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      if (r.status === 2) {
        failures++;
        assert.match(r.stderr, /^[^\n]+:\d+:\d+: error: [^\n]+\]\n$/);
        if (args[0] === "generate") assert.equal(fs.readFileSync(sentinel, "utf8"), "// previous output\n", "output untouched");
      } else if (args[0] === "generate") fs.writeFileSync(sentinel, "// previous output\n");
    }
  }
  assert.ok(failures > 0);
  fs.rmSync(dir, { recursive: true, force: true });
});
