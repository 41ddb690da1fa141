// Shared by the package tests (npm run test:package): the packed tarballs, and empty projects
// outside the repository that install them the way a user would.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../helpers.js";

/** Set by scripts/test-package.mjs: the folder `npm run pack` wrote the tarballs to. */
export const PACKS_ENV = "UAPIGEN_PACKS";

export function tarball(name: "uapigen" | "runtime" | "linux"): string {
  const dir = process.env[PACKS_ENV];
  assert.ok(dir, `${PACKS_ENV} is not set: run this through \`npm run test:package\`, which packs first`);
  const file = { uapigen: "uapigen-", runtime: "uapigen-runtime-", linux: "uapigen-linux-" }[name];
  const found = fs.readdirSync(dir).find((f) => f.startsWith(file) && /^\d/.test(f.slice(file.length)) && f.endsWith(".tgz"));
  assert.ok(found, `no ${file}*.tgz in ${dir}`);
  return path.join(dir, found);
}

/** A fresh project (ESM, private) in a temp folder outside the repository. */
export function emptyProject(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uapigen-${label}-`));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: label, private: true, type: "module" }));
  return dir;
}

/** `npm install [flags] <specs>` in `project`; returns npm's output (stdout and stderr). */
export function npmInstall(project: string, specs: string[], flags: string[] = []): string {
  const r = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...flags, ...specs], { cwd: project, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout + r.stderr;
}

/**
 * `tsc --strict --noUnusedLocals --noUncheckedIndexedAccess` over `files` in `project` with the
 * repository's TypeScript and nothing else: no @types, so what the packages' own declarations need
 * must come with them. With `outDir`, the JS is emitted there (Node 20 does not run .ts).
 */
export function typecheck(project: string, files: string[], outDir?: string): void {
  const emit = outDir ? { outDir, rootDir: "." } : { noEmit: true };
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", target: "es2022", strict: true, noUnusedLocals: true, noUncheckedIndexedAccess: true, types: [], ...emit }, files }));
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: project, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

/** Compiles and runs a C program; returns its stdout. */
export function runC(source: string, includeDirs: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-c-"));
  fs.writeFileSync(path.join(dir, "main.c"), source);
  execFileSync("gcc", ["-O0", "-Wall", ...includeDirs.flatMap((d) => ["-I", d]), "-o", path.join(dir, "main"), path.join(dir, "main.c")]);
  const out = execFileSync(path.join(dir, "main"), { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** The names a header #defines as _IO/_IOR/_IOW/_IOWR requests, as gcc's preprocessor sees them. */
export function requestNames(header: string, includeDirs: string[] = []): string[] {
  const defines = execFileSync("gcc", ["-E", "-dM", ...includeDirs.flatMap((d) => ["-I", d]), "-include", "sys/ioctl.h", header], { encoding: "utf8" });
  const own = new Set([...fs.readFileSync(header, "utf8").matchAll(/^\s*#\s*define\s+(\w+)/gm)].map((m) => m[1]!));
  return [...defines.matchAll(/^#define (\w+) _IO(?:R|W|WR)?\(/gm)].map((m) => m[1]!).filter((n) => own.has(n)).sort();
}

/** gcc's value of each name (a C user's prelude: <sys/ioctl.h>, then the header). */
export function gccValues(header: string, names: string[], includeDirs: string[] = []): Record<string, number> {
  const source = `#include <stdio.h>\n#include <sys/ioctl.h>\n#include "${header}"\nint main(void) {\n${names.map((n) => `  printf("%s %lu\\n", "${n}", (unsigned long)(${n}));`).join("\n")}\n  return 0;\n}\n`;
  return Object.fromEntries(runC(source, includeDirs).trim().split("\n").map((l) => l.split(" ")).map(([n, v]) => [n!, Number(v)]));
}
