// The cross compiler of each ABI row, from the list every architecture comes from
// (scripts/lib/abi-list.mjs: Debian's gcc-<triplet>; scripts/abi-facts.mjs reads the rows off the
// same compilers, and scripts/test-arch.mjs installs them).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../helpers.js";

/** One entry of scripts/lib/abi-list.mjs (its header explains the fields). */
export interface AbiListRow {
  readonly name: string;
  readonly gcc: string;
  readonly package: string;
  readonly triplet: string;
  readonly nodeArch?: string;
  readonly endian: "little" | "big";
  readonly qemu: string;
}

export const ABI_LIST: readonly AbiListRow[] = (
  (await import(pathToFileURL(path.join(ROOT, "scripts", "lib", "abi-list.mjs")).href)) as { ABI_LIST: readonly AbiListRow[] }
).ABI_LIST;

export const CROSS_GCC: Readonly<Record<string, string>> = Object.fromEntries(ABI_LIST.map((row) => [row.name, row.gcc]));

/**
 * How to run the real s390x Node (qemu-s390x-static with Debian's s390x libraries), as
 * scripts/test-arch.mjs prepares it: a command line in UAPIGEN_S390X_NODE.
 */
export const S390X_NODE_ENV = "UAPIGEN_S390X_NODE";
