// Shared test helpers: the repo root and the vendored headers.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAbi, type Abi } from "#generator/target/abi.js";

/** The repository root (tests run from dist/test/...). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const header = (version: string, name: string) => path.join(ROOT, "headers", version, "linux", name);

export const X86_64: Abi = getAbi("x86_64")!;

export const CLI = path.join(ROOT, "generator", "bin", "uapigen.js");

/** The constructs fixture and its include path (x86_64). */
export const FIXTURE = path.join(ROOT, "test", "fixtures", "linux", "constructs.h");
export const FIXTURE_INCLUDES = [path.join(ROOT, "test", "fixtures"), path.join(ROOT, "headers", "7.3"), path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];

import fs from "node:fs";
import type { Overrides } from "#generator/model/overrides.js";
import { buildHeader, type BuiltHeader } from "#generator/model/build.js";

/** A virtual include root for headers written inline in tests. */
export const VIRTUAL = "/virtual/include";

/** The include path of headers built from text: the virtual root, then the vendored 7.3 tree. */
export const virtualIncludeDirs = (abi: Abi = X86_64) => [VIRTUAL, path.join(ROOT, "headers", "7.3"), path.join(ROOT, "headers", "7.3", abi.triplet)];

/**
 * Builds a header given as text (as `/virtual/include/linux/<name>`), with the vendored 7.3
 * headers behind it for <linux/types.h> and friends. `files` adds more virtual files;
 * `overrides` stands for the header's override file (`overrides/<stem>.json` in messages).
 */
export function buildText(text: string, files: Record<string, string> = {}, name = "test.h", abi: Abi = X86_64, overrides?: Overrides): BuiltHeader {
  const main = `${VIRTUAL}/linux/${name}`;
  const virtual = new Map<string, string>([[main, text], ...Object.entries(files).map(([k, v]) => [`${VIRTUAL}/${k}`, v] as [string, string])]);
  return buildHeader(main, {
    abi,
    includeDirs: virtualIncludeDirs(abi),
    readFile: (f) => virtual.get(f) ?? (fs.existsSync(f) && fs.statSync(f).isFile() ? fs.readFileSync(f, "utf8") : undefined),
    overrides,
    overridesFile: `overrides/${name.replace(/\.h$/, "")}.json`,
  });
}

/** The names of each `import { ... } from "<specifier>"` of a module, in order. */
export function importsFrom(text: string, specifier: string): string[] {
  const found = [...text.matchAll(/^import \{([^}]*)\} from "([^"]+)";$/gm)].filter((m) => m[2] === specifier);
  return found.flatMap((m) => m[1]!.split(",").map((n) => n.trim()).filter(Boolean));
}

import { lintUnits } from "#generator/lint/rules.js";
import { compareFindings, type Finding } from "#generator/lint/findings.js";

/** Lints headers given as text, together (`/virtual/include/linux/<name>`). */
export function lintTexts(headers: Record<string, string>): Finding[] {
  const files = Object.fromEntries(Object.entries(headers).map(([name, text]) => [`linux/${name}`, text]));
  const units = Object.keys(headers).map((name) => {
    const built = buildText(headers[name]!, files, name);
    return { model: built.model, layout: built.layout };
  });
  return lintUnits(units).sort(compareFindings);
}

/** Both ends of a FIFO (read end non-blocking): real fds for ioctls such as FIONREAD. */
export function fifoPipe(): [number, number] {
  const fifo = `/tmp/uapigen-fifo-${process.pid}-${Math.random().toString(36).slice(2)}`;
  if (spawnSync("mkfifo", [fifo]).status !== 0) throw new Error("mkfifo failed");
  const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.rmSync(fifo);
  return [r, w];
}
