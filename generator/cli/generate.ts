// The generate job: headers -> model -> TypeScript modules, written atomically (output.ts), with an
// input-hash stamp so an unchanged re-run does no work. Heavy modules (tree-sitter, the model and
// the emitters) load only when there is work to do.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fail, formatDiagnostic, InputError } from "../ir/diagnostics.js";
import type { AbiUnit } from "../emit/variants.js";

export interface GenerateOptions {
  headers: string[];
  out: string;
  includeDirs?: string[];
  /** Files included before each header (gcc's -include), after uapigen's prelude. */
  forceIncludes?: string[];
  /** ABI rows the modules serve, the first being the primary (its docs, lint); default: all. */
  arches?: string[];
  /** Directory of <header-stem>.json override files. */
  overridesDir?: string;
  /**
   * The runtime generated code imports: a package name (its `codec` and `codegen` entries) or a
   * path to a folder of its compiled modules (`<path>/codec.js`, `<path>/codegen.js`).
   */
  runtime: string;
  /** Compare instead of writing; returns the files that differ. */
  check?: boolean;
  /** Kerneldoc findings fail the run (nothing is written). */
  strict?: boolean;
  /**
   * Leave the kerneldoc findings out of the warnings (they still count, and still fail a strict
   * run); input errors and the other warnings stay, as they say why output is missing.
   */
  quiet?: boolean;
  /** Where the unchanged-inputs stamp lives; undefined disables it. */
  stampFile?: string;
}

/** The default runtime: the package uapigen's own bindings use. */
export const DEFAULT_RUNTIME = "@uapigen/runtime";

/** npm's rule for a package name (scoped or not): what generated code can import by name. */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** Whether `--runtime` names a folder of compiled modules (a path or file: URL), not a package. */
const isRuntimePath = (runtime: string) => runtime.startsWith(".") || runtime.startsWith("/") || runtime.startsWith("file:");

/**
 * A runtime entry as generated code imports it: a package subpath, or a file beside a path. A
 * relative path is relative to the output directory; `subdir` is where the importing module sits
 * in it (`asm` for `<out>/asm/kvm.ts`).
 */
export function runtimeModule(runtime: string, entry: "codec" | "codegen", subdir = ""): string {
  if (!isRuntimePath(runtime)) return `${runtime}/${entry}`;
  const file = `${runtime.replace(/\/$/, "")}/${entry}.js`;
  return runtime.startsWith(".") && subdir ? path.posix.join(path.posix.relative(subdir, "."), file) : file;
}

/**
 * A warning when generated code would not find its runtime: a package name that does not
 * resolve from the output directory (a path is the caller's to get right).
 */
export function missingRuntimeWarning(runtime: string, out: string): string {
  if (isRuntimePath(runtime)) return "";
  try {
    createRequire(path.resolve(out, "index.js")).resolve(`${runtime}/package.json`);
    return "";
  } catch {
    return formatDiagnostic({ severity: "warning", rule: "runtime-missing", message: `the generated modules import '${runtime}', which is not installed where they are: npm install ${runtime}` }) + "\n";
  }
}

export interface GenerateResult {
  /** Output files, relative to cwd: each header's module and typed calls, then included headers' modules. */
  written: string[];
  /** Files whose content differs (with check) or was changed. */
  changed: string[];
  upToDate: boolean;
  /** Warnings as text: the kerneldoc findings (unless quiet), unevaluated defines, setup notes. */
  warnings: string;
  findings: number;
  /** With strict, findings stopped the run before anything was written. */
  failed: boolean;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

// This file, or the CLI's bundle (dist/cli/bundle.cjs) that has it; the compiled generator is
// dist/, one folder above (dist/cli/).
const self = fileURLToPath(import.meta.url);
const generatorDir = path.dirname(path.dirname(self));

/** A hash of the generator's own code, so a new uapigen version invalidates the stamp. */
function generatorHash(): string {
  const h = createHash("sha256");
  // The bundle is all the code that runs: one read, not dist/'s ~60 files.
  if (self.endsWith(".cjs")) return h.update(fs.readFileSync(self)).digest("hex");
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) h.update(e.name).update(fs.readFileSync(p));
    }
  };
  walk(generatorDir);
  return h.digest("hex");
}

interface Stamp {
  key: string;
  inputs: string[];
  outputs: Record<string, string>;
  /** The warnings of that run, shown again when nothing changed: with the findings and without. */
  warnings: string;
  quietWarnings: string;
  findings: number;
}

function stampKey(opts: GenerateOptions, inputs: string[], overrides: string[]): string | undefined {
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...opts, check: undefined, quiet: undefined, stampFile: undefined })).update(generatorHash());
  for (const f of inputs) {
    if (!fs.existsSync(f)) return undefined;
    h.update(f).update(fs.readFileSync(f));
  }
  // Override files are optional; their absence is part of the key too.
  for (const f of overrides) h.update(f).update(fs.existsSync(f) ? fs.readFileSync(f) : "<absent>");
  return h.digest("hex");
}

function readStamp(file: string | undefined): Stamp | undefined {
  if (!file || !fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Stamp;
  } catch {
    return undefined;
  }
}

export function outputName(header: string, out: string): string {
  return path.join(out, `${path.basename(header).replace(/\.h$/, "")}.ts`);
}

/** The typed-call module beside each codec module. */
export function ioctlOutputName(header: string, out: string): string {
  return outputName(header, out).replace(/\.ts$/, "-ioctls.ts");
}

function overridesFile(opts: GenerateOptions, header: string): string | undefined {
  return opts.overridesDir ? path.join(opts.overridesDir, `${path.basename(header).replace(/\.h$/, "")}.json`) : undefined;
}

/** `linux-libc-dev 7.3.4-1~bpo13+1` from the PROVENANCE.json beside the vendored tree. */
function provenanceOf(header: string): string | undefined {
  let dir = path.dirname(path.resolve(header));
  for (let i = 0; i < 3; i++) {
    const p = path.join(dir, "PROVENANCE.json");
    if (fs.existsSync(p)) {
      const prov = JSON.parse(fs.readFileSync(p, "utf8")) as { package?: string; version?: string };
      return prov.package && prov.version ? `${prov.package} ${prov.version}` : undefined;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  if (!opts.headers.length) fail("usage", "no headers to generate from (pass --header or list them in uapigen.config.json)");
  const overrideFiles = opts.headers.map((h) => overridesFile(opts, h)).filter((f): f is string => !!f);

  // Unchanged inputs and untouched outputs: nothing to do.
  const stamp = opts.check ? undefined : readStamp(opts.stampFile);
  if (stamp) {
    // The same inputs give the same outputs: those the stamp lists, included headers' modules too.
    const key = stampKey(opts, stamp.inputs, overrideFiles);
    const previous = Object.keys(stamp.outputs);
    const intact = previous.every((o) => fs.existsSync(o) && stamp.outputs[o] === sha256(fs.readFileSync(o)));
    if (key === stamp.key && intact && !(opts.strict && stamp.findings)) {
      return { written: previous, changed: [], upToDate: true, warnings: opts.quiet ? stamp.quietWarnings : stamp.warnings, findings: stamp.findings, failed: false };
    }
  }

  const { ABIS, abisNamed } = await import("../target/abi.js");
  const { buildHeader, includeDirsFor, rowsWithAsmHeaders } = await import("../model/build.js");
  const { loadOverrides } = await import("../model/overrides.js");
  const { emitModule, linkContext, variantsOf } = await import("../emit/module.js");
  const { shareVariants } = await import("../emit/variants.js");
  const { moduleSpecifier, planModules } = await import("../emit/plan.js");
  const { recordNames } = await import("../emit/names.js");
  const { emitIoctlModule } = await import("../emit/ioctls.js");
  const { checkModuleSize } = await import("../emit/limits.js");
  const { lintUnits } = await import("../lint/rules.js");
  const { compareFindings } = await import("../lint/findings.js");
  const { displayPath, formatText } = await import("../lint/format.js");
  let note = "";
  let abis = abisNamed(opts.arches?.length ? opts.arches : Object.keys(ABIS));
  if (!opts.arches?.length) {
    // Every row the include path has asm/ headers for; say so when that is not all of them.
    const usable = rowsWithAsmHeaders(opts.headers, abis, opts.includeDirs);
    if (usable.length && usable.length < abis.length) {
      note = `uapigen: note: generating for ${usable.map((a) => a.name).join(", ")} only: the include path has asm/ headers for ${usable.map((a) => a.triplet).join(", ")} only (--arch chooses architectures)\n`;
      abis = usable;
    }
  }
  for (const h of opts.headers) if (!fs.existsSync(h)) fail("usage", `no such header: ${h}`);
  if (fs.existsSync(opts.out) && !fs.statSync(opts.out).isDirectory()) fail("usage", `--out ${opts.out} is not a directory`);
  if (!isRuntimePath(opts.runtime) && !PACKAGE_NAME.test(opts.runtime)) fail("usage", `--runtime '${opts.runtime}' is neither an npm package name nor a path (./, ../, / or file:)`);

  const inputs = new Set<string>();
  const run: import("../emit/plan.js").RunHeader[] = [];
  for (const header of opts.headers) {
    const ovFile = overridesFile(opts, header);
    const overrides = ovFile ? loadOverrides(ovFile) : undefined;
    const includeDirs = abis.map((abi) => includeDirsFor(header, abi, opts.includeDirs));
    const perAbi: AbiUnit[] = [];
    for (const [i, abi] of abis.entries()) {
      const built = forArch(abi, () =>
        buildHeader(header, {
          abi,
          includeDirs: includeDirs[i],
          forceIncludes: opts.forceIncludes,
          overrides,
          overridesFile: ovFile,
        }),
      );
      for (const f of built.files) inputs.add(path.relative(process.cwd(), f));
      // Too much to emit is known from the first row, before the other rows are built.
      if (!perAbi.length) checkModuleSize(built.model, built.layout);
      perAbi.push({ abi, model: built.model, layout: built.layout });
    }
    run.push({ file: outputName(header, opts.out), units: perAbi, includeDirs });
  }

  // Each header's module and typed calls; then, once, the records of included headers they use.
  const outputs: string[] = [];
  const texts: string[] = [];
  const planned = planModules(run, opts.out);
  // One numbering of the variants for the run: `V === 1` means the same rows in every module.
  const variants = shareVariants(planned.map((m) => variantsOf(m.units, m.imports)));
  for (const [i, m] of planned.entries()) {
    const primary = m.units[0]!;
    const subdir = path.relative(opts.out, path.dirname(m.file));
    outputs.push(m.file);
    texts.push(
      await emitModule(m.units, { runtimeImport: runtimeModule(opts.runtime, "codec", subdir), provenance: provenanceOf(primary.model.file), header: m.header, usedBy: m.usedBy, imports: m.imports, variants: variants[i] }),
    );
    if (m.usedBy) continue;
    const codecImport = moduleSpecifier(ioctlOutputName(opts.headers[i]!, opts.out), m.file);
    // The typed calls name records as types, from the module that emits each.
    const names = recordNames(primary.model, (name) => m.imports.get(name) ?? codecImport, true);
    outputs.push(ioctlOutputName(opts.headers[i]!, opts.out));
    texts.push(
      await emitIoctlModule(primary.model, names, linkContext(primary.model, names, m.imports.keys()), {
        codecImport,
        callImport: runtimeModule(opts.runtime, "codegen"),
      }),
    );
  }
  const units = run.map((h) => h.units[0]!);

  // The headers' kerneldoc, checked together so names resolve across them.
  const findings = lintUnits(units).sort(compareFindings);
  const [before, after] = [note + missingRuntimeWarning(opts.runtime, opts.out), unevaluatedWarnings(units.map((u) => u.model), displayPath)];
  const allWarnings = before + formatText(findings) + after;
  const quietWarnings = before + after;
  const warnings = opts.quiet ? quietWarnings : allWarnings;
  const changed = outputs.filter((o, i) => !fs.existsSync(o) || fs.readFileSync(o, "utf8") !== texts[i]);
  if (opts.check) return { written: [], changed, upToDate: changed.length === 0, warnings, findings: findings.length, failed: false };
  if (opts.strict && findings.length) return { written: [], changed: [], upToDate: false, warnings, findings: findings.length, failed: true };

  // Everything is generated before anything is written: a failure above leaves `out` untouched.
  const { writeOutputs } = await import("./output.js");
  await writeOutputs(opts.out, outputs.flatMap((file, i) => (changed.includes(file) ? [{ file, text: texts[i]! }] : [])));
  if (opts.stampFile) {
    const { default: writeFileAtomic } = await import("write-file-atomic");
    const inputList = [...inputs].sort();
    const newStamp: Stamp = {
      key: stampKey(opts, inputList, overrideFiles) ?? "",
      inputs: inputList,
      outputs: Object.fromEntries(outputs.map((o, i) => [o, sha256(texts[i]!)])),
      warnings: allWarnings,
      quietWarnings,
      findings: findings.length,
    };
    fs.mkdirSync(path.dirname(opts.stampFile), { recursive: true });
    writeFileAtomic.sync(opts.stampFile, JSON.stringify(newStamp));
  }
  return { written: outputs, changed, upToDate: changed.length === 0, warnings, findings: findings.length, failed: false };
}

/**
 * A located warning for every #define of a header meant as an integer (a request, a size, a
 * number) that could not be evaluated: it is not emitted, and the user is told why and what
 * would fix it, never left to find it missing.
 */
function unevaluatedWarnings(models: import("../ir/decls.js").HeaderModel[], display: (file: string) => string): string {
  const lines: string[] = [];
  for (const model of models) {
    for (const o of model.otherDefines) {
      if (!o.unevaluated) continue;
      const hint = /'(struct|union|enum) \w+' is not defined/.test(o.reason)
        ? "; the type is declared in another header: add it with --include"
        : /is not a constant/.test(o.reason)
          ? "; a name no included header defines: add the header that does with --include"
          : "";
      lines.push(formatDiagnostic({ severity: "warning", rule: "unevaluated-define", message: `'${o.name}' is not emitted: ${o.reason}${hint}`, loc: { ...o.loc, file: display(o.loc.file) } }));
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** A missing asm/ header names the architecture it was looked for: a tree may have only some. */
function forArch<T>(abi: import("../target/abi.js").Abi, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof InputError) || err.diagnostic.rule !== "include" || !err.diagnostic.message.includes("'asm/")) throw err;
    const d = err.diagnostic;
    throw new InputError(d.rule, `${d.message}, building for ${abi.name} (${abi.triplet}); choose architectures with --arch`, d.loc);
  }
}
