// lint: build every header's model for one ABI, check their docs together, sort the findings.
// A declaration that cannot be built is reported where it is and left out, not the header.
import type { Abi } from "../model/abi.js";
import { buildHeader } from "../model/build.js";
import { compareFindings, type Finding } from "./findings.js";
import { withRecovery } from "./recover.js";
import { lintUnits } from "./rules.js";

export interface LintOptions {
  abi: Abi;
  includeDirs?: string[];
  /** Included before each header, as gcc's -include. */
  forceIncludes?: string[];
}

export function lintHeaders(headers: string[], opts: LintOptions): Finding[] {
  const skippedFindings: Finding[] = [];
  const units = headers.map((h) => {
    const { result: built, skipped } = withRecovery(h, (readFile) =>
      buildHeader(h, { abi: opts.abi, includeDirs: opts.includeDirs?.length ? opts.includeDirs : undefined, forceIncludes: opts.forceIncludes, readFile }),
    );
    for (const s of skipped) {
      skippedFindings.push({ loc: s.loc, length: 1, severity: "warning", rule: "unparsed-declaration", symbol: "", name: "", message: `${s.message}; this declaration is not linted` });
    }
    return { model: built.model, layout: built.layout };
  });
  return [...lintUnits(units), ...skippedFindings].sort(compareFindings);
}
