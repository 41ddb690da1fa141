// lint: build every header's model for one ABI, check their docs together, sort the findings.
import type { Abi } from "../model/abi.js";
import { buildHeader } from "../model/build.js";
import { compareFindings, type Finding } from "./findings.js";
import { lintUnits } from "./rules.js";

export interface LintOptions {
  abi: Abi;
  includeDirs?: string[];
  /** Included before each header, as gcc's -include. */
  forceIncludes?: string[];
}

export function lintHeaders(headers: string[], opts: LintOptions): Finding[] {
  const units = headers.map((h) => {
    const built = buildHeader(h, { abi: opts.abi, includeDirs: opts.includeDirs?.length ? opts.includeDirs : undefined, forceIncludes: opts.forceIncludes });
    return { model: built.model, layout: built.layout };
  });
  return lintUnits(units).sort(compareFindings);
}
