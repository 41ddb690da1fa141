// The `uapigen` command line. Exit status: 0 success, 1 findings or stale output, 2 usage or
// input errors (printed as `file:line:col: error: ... [rule]`, never as a stack trace).
import fs from "node:fs";
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { z } from "zod";
import { InputError, jsonKeyLocation } from "../ir/diagnostics.js";
import { ABI_ROWS } from "../target/abi-rows.js";
import { generatorVersion } from "../emit/version.js";

const ROW_NAMES = ABI_ROWS.map((r) => r.name).join(", ");

/** The config file's keys, each of one type; every key optional, nothing else allowed. */
const CONFIG_KEYS = {
  headers: "strings",
  out: "string",
  includeDirs: "strings",
  overrides: "string",
  runtime: "string",
  abiBaseline: "string",
  arches: "rows",
} as const;
const ROWS = ABI_ROWS.map((r) => r.name);

function configSchema(zod: typeof z) {
  const of = { string: zod.string(), strings: zod.array(zod.string()), rows: zod.array(zod.enum(ROWS as [string, ...string[]])) };
  return zod.strictObject(Object.fromEntries(Object.entries(CONFIG_KEYS).map(([key, kind]) => [key, of[kind].optional()])) as { [K in keyof typeof CONFIG_KEYS]: z.ZodOptional<(typeof of)[(typeof CONFIG_KEYS)[K]]> });
}

type Config = z.infer<ReturnType<typeof configSchema>>;

/**
 * The schema's test without zod, whose import costs some 100 ms of every run: a config it
 * accepts is zod's as well (both read CONFIG_KEYS); what it refuses, zod reads again to say why.
 */
function plainlyValid(json: unknown): json is Config {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
  const test = { string: (v: unknown) => typeof v === "string", strings, rows: (v: unknown) => strings(v) && v.every((a) => ROWS.includes(a)) };
  return Object.entries(json).every(([key, v]) => Object.hasOwn(CONFIG_KEYS, key) && (v === undefined || test[CONFIG_KEYS[key as keyof typeof CONFIG_KEYS]](v)));
}

const CONFIG_FILE = "uapigen.config.json";

async function readConfig(): Promise<Config> {
  if (!fs.existsSync(CONFIG_FILE)) return {};
  const text = fs.readFileSync(CONFIG_FILE, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError("config", `invalid JSON: ${(err as Error).message}`, { file: CONFIG_FILE, line: 1, column: 1 });
  }
  if (plainlyValid(json)) return json;
  const ConfigSchema = configSchema((await import("zod")).z);
  const parsed = ConfigSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const key = keys[0] ?? issue.path[0];
  const message = keys.length
    ? `unknown key ${keys.map((k) => `'${k}'`).join(", ")} (it takes ${Object.keys(ConfigSchema.shape).join(", ")})`
    : `'${issue.path.join(".")}': ${issue.message}`;
  throw new InputError("config", message, { file: CONFIG_FILE, ...jsonKeyLocation(text, key === undefined ? [] : [key]) });
}

/**
 * `generate --abi-baseline`: what changed in the regenerated headers since the baseline, as
 * `uapigen abi --against` reports it; breaking changes fail a --strict run. Returns the status.
 */
async function abiSinceBaseline(baseline: string, headers: string[], arches: string[], includeDirs: string[], forceIncludes: string[], strict: boolean): Promise<number> {
  const { abisNamed, ABIS } = await import("../target/abi.js");
  const { rowsWithAsmHeaders } = await import("../model/build.js");
  // The rows generate served: those asked for, or those the include path has asm/ headers for.
  const all = ABI_ROWS.map((r) => ABIS[r.name]!);
  const usable = rowsWithAsmHeaders(headers, all, includeDirs);
  const rows = arches.length ? abisNamed(arches) : usable.length ? usable : all;
  const { compareAgainst } = await import("../abi/run.js");
  const { formatAbiText, countFindings } = await import("../abi/format.js");
  const names = rows.map((r) => r.name);
  const findings = compareAgainst(baseline, headers, { rows, includeDirs, forceIncludes, asGenerated: true }).findings;
  const counts = countFindings(findings);
  process.stderr.write(formatAbiText(findings.filter((f) => f.class !== "extension"), names));
  const rules = (c: { rules: Record<string, number> }) => Object.entries(c.rules).map(([r, n]) => `${r} ${n}`).join(", ");
  const part = (n: number, what: string, c: { rules: Record<string, number> }) => `${n} ${what}${n ? ` (${rules(c)})` : ""}`;
  process.stderr.write(`uapigen: since ${baseline}: ${part(counts.breaking.total, "breaking", counts.breaking)}; ${part(counts.extension.total, "compatible extension(s)", counts.extension)}; ${part(counts.review.total, "to review", counts.review)}\n`);
  return strict && counts.breaking.total ? 1 : 0;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Commander reads `--no-x` as negating `--x`; this one is an option of its own (`noRule`). */
function plainOption(option: Option): Option {
  option.negate = false;
  return option;
}

type Format = "text" | "json" | "sarif";

async function formatFindings(findings: import("../lint/findings.js").Finding[], format: Format, baseUri?: string): Promise<string> {
  const { formatText, formatJson } = await import("../lint/format.js");
  if (format === "json") return formatJson(findings);
  if (format === "sarif") {
    const { formatSarif } = await import("../lint/sarif.js");
    return formatSarif(findings, { version: generatorVersion(), baseUri });
  }
  return formatText(findings);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command("uapigen")
    .description("Linux uAPI headers to exact, documented TypeScript bindings")
    .version(generatorVersion(), "-V, --version", "print uapigen's version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)");
  let status = 0;

  program
    .command("generate")
    .description(`generate TypeScript modules (defaults come from ${CONFIG_FILE})`)
    .option("--header <file>", "a header to generate from (repeatable)", collect, [])
    .option("--out <dir>", "output directory")
    .option("-I, --include-dir <dir>", "add an include directory, searched in order (repeatable)", collect, [])
    .option("--include <file>", "include a file before each header, as gcc's -include (repeatable; a path, or a name found like <name>)", collect, [])
    .option("--arch <name>", `an ABI row the modules serve (repeatable; the first is the primary, whose docs they carry); default: every row (${ROW_NAMES})`, collect, [])
    .option("--overrides <dir>", "directory of <header>.json override files")
    .option("--runtime <package>", "the runtime generated code imports: a package name (default @uapigen/runtime), or a path to its compiled modules as seen from the output")
    .option("--abi-baseline <dir>", "after generating, compare each header with the one of the same include name in this include directory (the previous headers) on the modules' rows, as `uapigen abi --against`, and print what changed (not with --check)")
    .option("--check", "exit 1 and name the files that differ instead of writing")
    .option("--strict", "kerneldoc findings fail the run (exit 1, nothing written); with --abi-baseline, so does a breaking change (exit 1, after writing)")
    .option("-q, --quiet", "do not print the kerneldoc findings (input errors and other warnings still print; --strict still counts them)")
    .action(async (o: { header: string[]; out?: string; includeDir: string[]; include: string[]; arch: string[]; overrides?: string; runtime?: string; abiBaseline?: string; check?: boolean; strict?: boolean; quiet?: boolean }) => {
      const config = await readConfig();
      const { DEFAULT_RUNTIME, generate } = await import("./generate.js");
      const out = o.out ?? config.out ?? "generated";
      const headers = o.header.length ? o.header : (config.headers ?? []);
      const includeDirs = o.includeDir.length ? o.includeDir : config.includeDirs;
      const forceIncludes = o.include.map((f) => (fs.existsSync(f) ? path.resolve(f) : f));
      const baseline = o.abiBaseline ?? config.abiBaseline;
      // Checked before anything is generated: a wrong option leaves the output untouched.
      if (baseline !== undefined && !fs.statSync(baseline, { throwIfNoEntry: false })?.isDirectory()) throw new InputError("usage", `the ABI baseline must be an include directory: ${baseline}`);
      const result = await generate({
        headers,
        out,
        includeDirs,
        forceIncludes,
        arches: o.arch.length ? o.arch : config.arches,
        overridesDir: o.overrides ?? config.overrides,
        runtime: o.runtime ?? config.runtime ?? DEFAULT_RUNTIME,
        check: o.check,
        strict: o.strict,
        quiet: o.quiet,
        stampFile: path.join("node_modules", ".cache", "uapigen", `${out.replace(/[^\w.-]/g, "_")}.stamp.json`),
      });
      process.stderr.write(result.warnings);
      if (result.failed) {
        process.stderr.write(`uapigen: ${result.findings} kerneldoc finding(s) with --strict; nothing was written\n`);
        status = 1;
        return;
      }
      if (o.check) {
        for (const f of result.changed) process.stderr.write(`${f}: differs from what uapigen generates\n`);
        status = result.changed.length ? 1 : 0;
        if (!status) process.stdout.write(`${result.written.length || "all"} file(s) up to date\n`);
        return;
      }
      process.stdout.write(
        result.upToDate && !result.changed.length
          ? `up to date: ${result.written.join(", ")}\n`
          : `generated ${result.changed.join(", ") || "nothing new"}\n`,
      );
      if (baseline !== undefined) status = await abiSinceBaseline(baseline, headers, o.arch.length ? o.arch : (config.arches ?? []), includeDirs ?? [], forceIncludes, o.strict === true);
    });

  program
    .command("layout")
    .description("print the layout uapigen computes for a header: sizes, offsets, ioctls, constants")
    .argument("<header>", "the header")
    .option("--json", "machine-readable output")
    .addOption(new Option("--arch <name>", `target ABI row: ${ROW_NAMES}`).default("x86_64"))
    .option("-I, --include-dir <dir>", "add an include directory (repeatable)", collect, [])
    .option("--include <file>", "include a file before the header, as gcc's -include (repeatable)", collect, [])
    .action(async (header: string, o: { json?: boolean; arch: string; includeDir: string[]; include: string[] }) => {
      const { abisNamed } = await import("../target/abi.js");
      const abi = abisNamed([o.arch])[0]!;
      if (!fs.existsSync(header)) throw new InputError("usage", `no such header: ${header}`);
      const { buildHeader, includeDirsFor } = await import("../model/build.js");
      const { layoutReport, toJson, layoutText } = await import("../model/report.js");
      const forceIncludes = o.include.map((f) => (fs.existsSync(f) ? path.resolve(f) : f));
      const built = buildHeader(header, { abi, includeDirs: includeDirsFor(header, abi, o.includeDir), forceIncludes });
      const report = layoutReport(built.model, built.layout);
      process.stdout.write(o.json ? `${toJson(report)}\n` : layoutText(report));
    });

  program
    .command("lint")
    .description("check the kerneldoc of headers against their declarations (linted together: names resolve across them)")
    .argument("<header...>", "the headers")
    .option("-I, --include-dir <dir>", "add an include directory (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .option("--arch <name>", `an ABI row to lint (repeatable: members under any row's #if count; default x86_64): ${ROW_NAMES}`, collect, [])
    .option("--rule <id>", "report only this rule's findings (repeatable)", collect, [])
    .addOption(plainOption(new Option("--no-rule <id>", "do not report this rule's findings (repeatable)").argParser(collect).default([])))
    .option("--base-uri <uri>", "SARIF: the file:// URI (or directory) file URIs are relative to, as %SRCROOT% (default: the working directory)")
    .option("--strict", "accepted for symmetry with generate; findings always exit 1 here")
    .action(async (headers: string[], o: { includeDir: string[]; format: Format; arch: string[]; rule: string[]; noRule: string[]; baseUri?: string }) => {
      const { abisNamed } = await import("../target/abi.js");
      const [abi, ...moreAbis] = abisNamed(o.arch.length ? o.arch : ["x86_64"]);
      for (const h of headers) if (!fs.existsSync(h)) throw new InputError("usage", `no such header: ${h}`);
      // Bad rule ids and a bad base are usage errors before any linting.
      const { selectRules } = await import("../lint/select.js");
      const rules = selectRules(o.rule, o.noRule);
      if (o.baseUri !== undefined) (await import("../ir/sarif.js")).baseUriOf(o.baseUri);
      const { lintHeaders } = await import("../lint/lint.js");
      const findings = lintHeaders(headers, { abi: abi!, moreAbis, includeDirs: o.includeDir }).filter((f) => rules.has(f.rule));
      process.stdout.write(await formatFindings(findings, o.format, o.baseUri));
      status = findings.length ? 1 : 0;
    });

  program
    .command("abi")
    .description("compare two versions of a header or of an include tree (linux/*.h and asm/*.h) on every ABI row: breaking changes, compatible extensions, what needs review")
    .argument("<paths...>", "the old and the new header, or include directory (with linux/ and <triplet>/asm/); with --against, the headers to check")
    .option("--against <dir>", "compare each header with the one of the same include name (linux/x.h) in this include directory: a project's vendored or previous headers")
    .option("--arch <name>", `an ABI row to compare on (repeatable; default every row): ${ROW_NAMES}`, collect, [])
    .option("-I, --include-dir <dir>", "add an include directory after each version's own (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .option("--base-uri <uri>", "SARIF: the file:// URI (or directory) file URIs are relative to, as %SRCROOT% (default: the working directory)")
    .option("--summary", "print the counts per class and rule to stderr")
    .action(async (paths: string[], o: { against?: string; arch: string[]; includeDir: string[]; format: Format; baseUri?: string; summary?: boolean }) => {
      const { abisNamed } = await import("../target/abi.js");
      const rows = abisNamed(o.arch.length ? o.arch : ABI_ROWS.map((r) => r.name));
      if (o.against === undefined && paths.length !== 2) throw new InputError("usage", `abi takes an old and a new header or include directory (got ${paths.length} path(s)), or headers with --against <dir>`);
      for (const p of [...paths, ...(o.against === undefined ? [] : [o.against])]) if (!fs.existsSync(p)) throw new InputError("usage", `no such header or directory: ${p}`);
      if (o.baseUri !== undefined) (await import("../ir/sarif.js")).baseUriOf(o.baseUri);
      const { compareAbi, compareAgainst } = await import("../abi/run.js");
      const { formatAbiText, formatAbiJson, formatAbiSarif, countFindings } = await import("../abi/format.js");
      const result = o.against === undefined ? compareAbi(paths[0]!, paths[1]!, { rows, includeDirs: o.includeDir }) : compareAgainst(o.against, paths, { rows, includeDirs: o.includeDir });
      // Two folders without a header between them are a mistake, not "nothing changed".
      if (!result.headers) throw new InputError("usage", `no linux/*.h or <triplet>/asm/*.h in '${paths[0]}' or '${paths[1]}'`);
      const names = rows.map((r) => r.name);
      const f = result.findings;
      process.stdout.write(o.format === "json" ? formatAbiJson(f, names) : o.format === "sarif" ? formatAbiSarif(f, names, { version: generatorVersion(), baseUri: o.baseUri }) : formatAbiText(f, names));
      const counts = countFindings(f);
      if (o.summary) {
        for (const [cls, c] of Object.entries(counts)) process.stderr.write(`${cls}: ${c.total}${c.total ? ` (${Object.entries(c.rules).map(([r, n]) => `${r} ${n}`).join(", ")})` : ""}\n`);
      }
      status = counts.breaking.total ? 1 : 0;
      // No pair could be built in both versions: the [unbuildable] findings say why.
      if (result.failed && !result.compared && !result.unchanged) {
        process.stderr.write("uapigen: error: no header could be built in both versions, so nothing was compared [unbuildable]\n");
        status = 2;
      }
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? 0 : 2;
    }
    if (err instanceof InputError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
