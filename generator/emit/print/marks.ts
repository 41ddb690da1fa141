// Symbols: a name another module exports, written into emitted code text as a marker that the
// tokenizer reads as that name, recording the use so the module file imports it.

export interface ImportSymbol {
  name: string;
  /** The module, as the file's import table knows it (`runtime:codec`, or a specifier). */
  from: string;
  /** A type, imported with `import type`. */
  typeOnly: boolean;
}

export const OPEN = "\u{E000}";
export const CLOSE = "\u{E001}";
export const registry: ImportSymbol[] = [];
const keys = new Map<string, number>();

/** The text standing for `name` of module `from` in emitted code. */
export function symbol(name: string, from: string, typeOnly = false): string {
  const key = `${from}\0${name}\0${typeOnly}`;
  let i = keys.get(key);
  if (i === undefined) {
    i = registry.length;
    registry.push({ name, from, typeOnly });
    keys.set(key, i);
  }
  return `${OPEN}${i}${CLOSE}`;
}

/** A module-local name that is declared only where the code uses it (`LE`, `V`, `EMPTY`). */
export const local = (name: string) => symbol(name, "local:");

