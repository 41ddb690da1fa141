// Folds the stages' results into one line per row and header, counts them per row, and prints
// the table, every header short of full success with its stage and reason, and every request
// that was dropped or differs from gcc's.
import path from "node:path";

/** Stages in order; a header's stage is the first it did not get through ("ok": none). */
export const STAGES = ["gcc", "generate", "oracle", "typecheck", "load", "round-trip", "ok"];

/**
 * One result per row and header: stage 1's, then the first tsc error of either of its modules,
 * then the load stage's. Requests of a header that did not load count as dropped.
 */
export function merge(generated, tscErrors, loaded) {
  const byKey = new Map(loaded.map((r) => [`${r.row} ${r.header}`, r]));
  return generated.map((g) => {
    if (g.stage !== "generated") {
      const dropped = Object.fromEntries(Object.keys(g.requests?.values ?? {}).map((n) => [n, `the header did not generate (${g.stage})`]));
      return { ...g, requests: g.requests && { gcc: g.requests, matched: 0, dropped, mismatched: {} } };
    }
    const l = byKey.get(`${g.row} ${g.header}`);
    const { requests: gccRequests } = g;
    const requests = { gcc: gccRequests, ...(l.requests ?? { matched: 0, mismatched: {}, dropped: Object.fromEntries(Object.keys(gccRequests.values).map((n) => [n, "the module did not load"])) }) };
    // Any error in the job's folder: its module, its typed calls, its included headers' modules.
    const tsc = [...tscErrors].find(([file]) => file.startsWith(path.dirname(g.ts) + path.sep))?.[1];
    const { spec: _spec, ts: _ts, ...rest } = g;
    // The first stage that failed; the later ones still ran and are counted.
    if (g.oracle.mismatches.length) return { ...rest, ...l, requests, stage: "oracle", reason: g.oracle.mismatches.slice(0, 3).join("; ") };
    if (tsc) return { ...rest, ...l, requests, stage: "typecheck", reason: tsc };
    return { ...rest, ...l, requests };
  });
}

/** The per-row counts of the survey table. */
export function summarise(results, rows) {
  return rows.map((row) => {
    const mine = results.filter((r) => r.row === row);
    const past = (stage) => mine.filter((r) => STAGES.indexOf(r.stage) > STAGES.indexOf(stage)).length;
    const sum = (f) => mine.reduce((n, r) => n + (f(r) ?? 0), 0);
    const count = (o) => Object.keys(o ?? {}).length;
    return {
      row,
      headers: mine.length,
      gccCompiles: past("gcc"),
      generate: past("generate"),
      oracle: past("oracle"),
      oracleChecked: ["records", "members", "constants", "ioctls"].map((k) => sum((r) => r.oracle?.checked[k])),
      typecheck: past("typecheck"),
      load: past("load"),
      roundTrip: past("round-trip"),
      crashes: mine.filter((r) => r.crash).length,
      codecs: sum((r) => r.codecs),
      samples: sum((r) => r.samples),
      requests: {
        gcc: sum((r) => count(r.requests?.gcc.values)),
        emitted: sum((r) => r.requests?.matched),
        dropped: sum((r) => count(r.requests?.dropped)),
        mismatched: sum((r) => count(r.requests?.mismatched)),
        gccRejects: sum((r) => count(r.requests?.gcc.rejected)),
      },
    };
  });
}

export function print(version, results, summary, seconds) {
  const line = (label, f) => console.log(`  ${label.padEnd(44)} ${summary.map((s) => String(f(s)).padStart(22)).join(" ")}`);
  console.log(`linux-libc-dev ${version}: linux/*.h and each row's asm/*.h, in ${Math.round(seconds)} s`);
  line("", (s) => s.row);
  line("headers", (s) => s.headers);
  line("gcc compiles alone (with the prelude)", (s) => s.gccCompiles);
  line("uapigen generates the module", (s) => s.generate);
  line("layout oracle: 0 mismatches with gcc", (s) => s.oracle);
  line("  records / members / constants / ioctls", (s) => s.oracleChecked.join("/"));
  line("tsc --strict type-checks it", (s) => s.typecheck);
  line("Node loads it", (s) => s.load);
  line("every codec round-trips against gcc's bytes", (s) => s.roundTrip);
  line("  codecs checked", (s) => s.codecs);
  line("  gcc samples byte-exact", (s) => s.samples);
  line("requests gcc evaluates", (s) => s.requests.gcc);
  line("  emitted, equal to gcc's", (s) => s.requests.emitted);
  line("  dropped", (s) => s.requests.dropped);
  line("  mismatched", (s) => s.requests.mismatched);
  line("request macros gcc itself rejects", (s) => s.requests.gccRejects);
  line("crashes", (s) => s.crashes);
  const short = results.filter((r) => r.stage !== "ok");
  if (short.length) console.log("\nShort of full success (row, header, stage: reason):");
  for (const r of short) console.log(`  ${r.row.padEnd(7)} ${r.header}: ${r.stage}${r.crash ? " (crash)" : ""}: ${r.reason}`);
  const requestLines = results.flatMap((r) => [
    ...Object.entries(r.stage === "gcc" ? {} : r.requests?.dropped ?? {}).map(([n, why]) => `  ${r.row.padEnd(7)} ${r.header} ${n}: dropped: ${why}`),
    ...Object.entries(r.requests?.mismatched ?? {}).map(([n, why]) => `  ${r.row.padEnd(7)} ${r.header} ${n}: mismatched: ${why}`),
  ]);
  if (requestLines.length) console.log(`\nRequests dropped or mismatched:\n${requestLines.join("\n")}`);
}

/** The joint generation: how many linux/*.h one module serves on both rows, and why not the rest. */
export function printJoint(joint) {
  if (!joint.length) return;
  const compiled = joint.filter((j) => j.stage !== "gcc");
  const ok = joint.filter((j) => j.stage === "ok");
  console.log(`\nlinux/*.h as one module for ${joint[0].row}: ${ok.length} of the ${compiled.length} gcc compiles on both rows`);
  for (const j of compiled.filter((x) => x.stage !== "ok")) console.log(`  ${j.header}: ${j.crash ? "(crash) " : ""}${j.reason}`);
}
