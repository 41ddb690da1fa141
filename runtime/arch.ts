// Which architecture's layouts a generated module uses. Each module is generated for a set of ABI
// rows (uapigen's names, as `uapigen layout --arch` takes them) and picks the row of the running
// Node at load time: process.arch plus os.endianness(), since ppc64 is both byte orders.
import os from "node:os";
import { ARCH_ROWS, type ArchRow } from "./arch-rows.js";

/** How Node names each ABI row's machine (arch-rows.ts, generated from scripts/lib/abi-list.mjs); rows with no Node port are selected by name only. */
const ROWS: Readonly<Record<string, ArchRow>> = Object.fromEntries(ARCH_ROWS.map((row) => [row.name, row]));

/**
 * Names another machine's ABI row instead of the host's: for tests and for tools that prepare
 * bytes for another machine. The runtime refuses to issue ioctls while it differs from the host.
 */
export const ARCH_OVERRIDE_ENV = "UAPIGEN_ARCH";

/** The loaded module's choice: the ABI row, its byte order, and the module's layout variant. */
export interface ArchSelection {
  readonly name: string;
  readonly littleEndian: boolean;
  readonly variant: number;
}

/** Thrown at module load when the bindings have no layout for this machine. */
export class UnsupportedArchitectureError extends Error {
  override readonly name = "UnsupportedArchitectureError";
}

const hostLittleEndian = () => os.endianness() === "LE";

/** The ABI row of the running Node, or undefined when uapigen has none for it. */
export function hostArch(): string | undefined {
  const le = hostLittleEndian();
  return ARCH_ROWS.find((row) => row.nodeArch === process.arch && row.littleEndian === le)?.name;
}

/** The row whose layouts this process uses: the override, else the host's. */
export function targetArch(): string | undefined {
  return process.env[ARCH_OVERRIDE_ENV] || hostArch();
}

/**
 * Called once by each generated module with its rows (name → layout variant). Throws
 * UnsupportedArchitectureError when the running machine is not one of them.
 */
export function selectArch(header: string, variants: Readonly<Record<string, number>>): ArchSelection {
  const forced = process.env[ARCH_OVERRIDE_ENV];
  const name = targetArch();
  const known = Object.keys(variants).join(", ");
  const machine = forced
    ? `${ARCH_OVERRIDE_ENV}=${forced}`
    : `this machine (process.arch '${process.arch}', ${hostLittleEndian() ? "little" : "big"}-endian)`;
  if (!name || !Object.hasOwn(variants, name) || !Object.hasOwn(ROWS, name)) {
    throw new UnsupportedArchitectureError(
      `the uapigen bindings for <${header}> have no layout for ${machine}; they were generated for: ${known}. ` +
        `Regenerate them with \`uapigen generate --arch <name>\` for a row uapigen knows (\`uapigen layout --help\` lists them).`,
    );
  }
  return { name, littleEndian: ROWS[name]!.littleEndian, variant: variants[name]! };
}

/** The override, if it names another machine; read once (process.env is slow to read per call). */
let foreign: string | undefined | null = null;

/** Throws unless the selected layouts are the host's own: another machine's bytes must not reach this kernel. */
export function assertHostLayouts(what: string): void {
  if (foreign === null) {
    const forced = process.env[ARCH_OVERRIDE_ENV];
    foreign = forced && forced !== hostArch() ? forced : undefined;
  }
  if (foreign !== undefined) {
    throw new UnsupportedArchitectureError(`${what}: ${ARCH_OVERRIDE_ENV}=${foreign} selects another machine's layouts; ioctls are refused on ${hostArch() ?? process.arch}`);
  }
}
