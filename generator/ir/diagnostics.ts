// Located diagnostics. Every user mistake surfaces as `file:line:col: severity: message [rule]`;
// a stack trace means a bug in uapigen, never bad input.

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
}

export type Severity = "error" | "warning" | "note";

export interface Diagnostic {
  severity: Severity;
  message: string;
  rule: string;
  loc?: SourceLocation;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : "uapigen";
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${formatLocation(d.loc)}: ${d.severity}: ${d.message} [${d.rule}]`;
}

/** Thrown for bad input; the CLI prints it and exits 2. */
export class InputError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(rule: string, message: string, loc?: SourceLocation) {
    super(formatDiagnostic({ severity: "error", rule, message, loc }));
    this.name = "InputError";
    this.diagnostic = { severity: "error", rule, message, loc };
  }
}

export function fail(rule: string, message: string, loc?: SourceLocation): never {
  throw new InputError(rule, message, loc);
}

/**
 * Where the innermost key of `path` is written in a JSON file's text (each key looked for after
 * the one before it), for errors located at the key; 1:1 when it is not found.
 */
export function jsonKeyLocation(text: string, path: readonly PropertyKey[]): { line: number; column: number } {
  let at = -1;
  for (const key of path) {
    const next = text.indexOf(JSON.stringify(String(key)), at + 1);
    if (next < 0) break;
    at = next;
  }
  if (at < 0) return { line: 1, column: 1 };
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
