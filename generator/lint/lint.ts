// lint: build every header's model for one ABI, check their docs together, sort the findings.
// A declaration that cannot be built is reported where it is and left out, not the header.
import path from "node:path";
import { InputError } from "../ir/diagnostics.js";
import { ABIS, type Abi } from "../target/abi.js";
import { buildHeader, includeDirsFor } from "../model/build.js";
import { compareFindings, type Finding } from "./findings.js";
import { withRecovery } from "./recover.js";
import { lintUnits } from "./rules.js";
import { worldNames } from "./world.js";

export interface LintOptions {
  abi: Abi;
  /**
   * More ABI rows to lint: members under another architecture's `#if` exist too. A member is
   * undocumented if it is on any row; a name is unknown or excess only if it is on none.
   */
  moreAbis?: Abi[];
  includeDirs?: string[];
  /** Included before each header, as gcc's -include. */
  forceIncludes?: string[];
}

export function lintHeaders(headers: string[], opts: LintOptions): Finding[] {
  const rows = [opts.abi, ...(opts.moreAbis ?? []).filter((a) => a.name !== opts.abi.name)];
  if (rows.length === 1) return lintRow(headers, opts.abi, opts);
  const key = (f: Finding) => `${f.loc.file}:${f.loc.line}:${f.loc.column}:${f.rule}:${f.name}`;
  const perRow = [lintRow(headers, opts.abi, opts)];
  for (const abi of rows.slice(1)) {
    // A row these headers cannot be built for (no libc for it here) adds nothing.
    try {
      perRow.push(lintRow(headers, abi, { ...opts, includeDirs: opts.includeDirs?.map((d) => retarget(d, abi)) }));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
  }
  const onEvery = perRow.slice(1).map((fs) => new Set(fs.map(key)));
  const out = new Map<string, Finding>();
  perRow.forEach((findings, i) => {
    for (const f of findings) {
      if (f.rule === "undocumented-member" || (i === 0 && onEvery.every((s) => s.has(key(f))))) if (!out.has(key(f))) out.set(key(f), f);
    }
  });
  return [...out.values()].sort(compareFindings);
}

/** An include directory named after an architecture's triplet, for another row. */
function retarget(dir: string, abi: Abi): string {
  const triplets = new Set(Object.values(ABIS).map((a) => a.triplet));
  return triplets.has(path.basename(dir)) ? path.join(path.dirname(dir), abi.triplet) : dir;
}

function lintRow(headers: string[], abi: Abi, opts: LintOptions): Finding[] {
  const skippedFindings: Finding[] = [];
  const units = headers.map((h) => {
    const { result: built, skipped } = withRecovery(h, (readFile) =>
      buildHeader(h, { abi, includeDirs: opts.includeDirs?.length ? opts.includeDirs : undefined, forceIncludes: opts.forceIncludes, readFile }),
    );
    for (const s of skipped) {
      skippedFindings.push({ loc: s.loc, length: 1, severity: "warning", rule: "unparsed-declaration", symbol: "", name: "", message: `${s.message}; this declaration is not linted` });
    }
    return { model: built.model, layout: built.layout };
  });
  // Names from the rest of the installed tree, found where these headers' includes are.
  const world = worldNames(headers.flatMap((h) => [path.dirname(path.dirname(path.resolve(h))), ...includeDirsFor(h, abi, opts.includeDirs)]));
  return [...lintUnits(units, world), ...skippedFindings].sort(compareFindings);
}
