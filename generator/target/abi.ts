// What a target ABI is: type sizes and alignments, byte order, the _IOC bit layout of the
// architecture's asm/ioctl.h, and the macros its compiler predefines. The rows are data, in
// abi-rows.ts.
import { fail } from "../ir/diagnostics.js";
import { ABI_ROWS } from "./abi-rows.js";
import type { Abi } from "./abi-row.js";

export type { Abi, IocLayout } from "./abi-row.js";

/** GNU spellings every gcc accepts; modelled as macros so tree-sitter sees standard C. */
export const GNU_KEYWORDS: Record<string, string> = {
  __signed__: "signed",
  __signed: "signed",
  __inline__: "inline",
  __inline: "inline",
  __volatile__: "volatile",
  __volatile: "volatile",
  __const: "const",
  __const__: "const",
  __restrict: "restrict",
  __restrict__: "restrict",
  __extension__: "",
  __asm__: "asm",
  __typeof__: "typeof",
  __alignof__: "_Alignof",
};

/** Every architecture uapigen lays out for, by name (generator/target/abi-rows.ts). */
export const ABIS: Record<string, Abi> = Object.fromEntries(ABI_ROWS.map((row) => [row.name, row]));

export const DEFAULT_ABI = "x86_64";

export function getAbi(name: string): Abi | undefined {
  return Object.hasOwn(ABIS, name) ? ABIS[name] : undefined;
}

/** The rows named on the command line or in a config: an unknown name is a usage error listing the rows. */
export function abisNamed(names: readonly string[]): Abi[] {
  return names.map((name) => getAbi(name) ?? fail("usage", `unknown architecture '${name}' (known: ${Object.keys(ABIS).join(", ")})`));
}

export function longBits(abi: Abi): number {
  return abi.types.long[0] * 8;
}
