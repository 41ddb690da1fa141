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
