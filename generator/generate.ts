// The generate job: headers -> model -> TypeScript modules, written atomically (output.ts), with an
// input-hash stamp so an unchanged re-run does no work. Heavy modules (tree-sitter, ts-morph,
// prettier) load only when there is work to do.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fail, formatDiagnostic, InputError } from "./diagnostics.js";
import type { AbiUnit } from "./emit/variants.js";

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
  runtimeImport: string;
  /** Compare instead of writing; returns the files that differ. */
  check?: boolean;
  /** Kerneldoc findings fail the run (nothing is written). */
  strict?: boolean;
  /** Where the unchanged-inputs stamp lives; undefined disables it. */
  stampFile?: string;
}

export interface GenerateResult {
  /** Output files, relative to cwd. */
  written: string[];
  /** Files whose content differs (with check) or was changed. */
  changed: string[];
  upToDate: boolean;
  /** Kerneldoc findings, formatted as text. */
  warnings: string;
  findings: number;
  /** With strict, findings stopped the run before anything was written. */
  failed: boolean;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const generatorDir = path.dirname(fileURLToPath(import.meta.url));

/** A hash of the generator's own code, so a new uapigen version invalidates the stamp. */
function generatorHash(): string {
  const h = createHash("sha256");
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
  /** The lint findings of that run, shown again when nothing changed. */
  warnings: string;
  findings: number;
}

function stampKey(opts: GenerateOptions, inputs: string[], overrides: string[]): string | undefined {
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...opts, check: undefined, stampFile: undefined })).update(generatorHash());
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
  const outputs = opts.headers.flatMap((h) => [outputName(h, opts.out), ioctlOutputName(h, opts.out)]);
  const overrideFiles = opts.headers.map((h) => overridesFile(opts, h)).filter((f): f is string => !!f);

  // Unchanged inputs and untouched outputs: nothing to do.
  const stamp = opts.check ? undefined : readStamp(opts.stampFile);
  if (stamp) {
    const key = stampKey(opts, stamp.inputs, overrideFiles);
    const intact = outputs.every((o) => fs.existsSync(o) && stamp.outputs[o] === sha256(fs.readFileSync(o)));
    if (key === stamp.key && intact && !(opts.strict && stamp.findings)) {
      return { written: outputs, changed: [], upToDate: true, warnings: stamp.warnings, findings: stamp.findings, failed: false };
    }
  }

  const { ABIS, getAbi } = await import("./model/abi.js");
  const { buildHeader, hasAsmHeaders, includeDirsFor, loadOverrides } = await import("./model/build.js");
  const { emitModule, linkContext } = await import("./emit/module.js");
  const { recordNames } = await import("./emit/names.js");
  const { emitIoctlModule } = await import("./emit/ioctls.js");
  const { checkModuleSize } = await import("./emit/limits.js");
  const { lintUnits } = await import("./lint/rules.js");
  const { compareFindings } = await import("./lint/findings.js");
  const { displayPath, formatText } = await import("./lint/format.js");
  let note = "";
  let abis = (opts.arches?.length ? opts.arches : Object.keys(ABIS)).map((name) => getAbi(name) ?? fail("usage", `unknown architecture '${name}' (known: ${Object.keys(ABIS).join(", ")})`));
  if (!opts.arches?.length) {
    // Like a compiler: every row the include path has asm/ headers for (a vendored tree has them
    // all; a system's /usr/include only its own), and say so when that is not all of them.
    const usable = abis.filter((abi) => opts.headers.every((h) => hasAsmHeaders(includeDirsFor(h, abi, opts.includeDirs))));
    if (usable.length && usable.length < abis.length) {
      note = `uapigen: note: generating for ${usable.map((a) => a.name).join(", ")} only: the include path has asm/ headers for ${usable.map((a) => a.triplet).join(", ")} only (--arch chooses architectures)\n`;
      abis = usable;
    }
  }
  for (const h of opts.headers) if (!fs.existsSync(h)) fail("usage", `no such header: ${h}`);

  const texts: string[] = [];
  const inputs = new Set<string>();
  const units: { model: import("./model/ir.js").HeaderModel; layout: import("./model/layout.js").LayoutEngine }[] = [];
  for (const header of opts.headers) {
    const ovFile = overridesFile(opts, header);
    const overrides = ovFile ? loadOverrides(ovFile) : undefined;
    const perAbi: AbiUnit[] = [];
    for (const abi of abis) {
      const built = forArch(abi, () =>
        buildHeader(header, {
          abi,
          includeDirs: includeDirsFor(header, abi, opts.includeDirs),
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
    const built = perAbi[0]!;
    units.push({ model: built.model, layout: built.layout });
    texts.push(await emitModule(perAbi, { runtimeImport: opts.runtimeImport, provenance: provenanceOf(header) }));
    const names = recordNames(built.model);
    texts.push(
      await emitIoctlModule(built.model, names, linkContext(built.model, names), {
        codecImport: `./${path.basename(outputName(header, opts.out)).replace(/\.ts$/, ".js")}`,
        callImport: opts.runtimeImport.replace(/codec\.js$/, "call.js"),
      }),
    );
  }

  // The headers' kerneldoc, checked together so names resolve across them.
  const findings = lintUnits(units).sort(compareFindings);
  const warnings = note + formatText(findings) + unevaluatedWarnings(units.map((u) => u.model), displayPath);
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
      warnings,
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
function unevaluatedWarnings(models: import("./model/ir.js").HeaderModel[], display: (file: string) => string): string {
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
function forArch<T>(abi: import("./model/abi.js").Abi, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof InputError) || err.diagnostic.rule !== "include" || !err.diagnostic.message.includes("'asm/")) throw err;
    const d = err.diagnostic;
    throw new InputError(d.rule, `${d.message}, building for ${abi.name} (${abi.triplet}); choose architectures with --arch`, d.loc);
  }
}
