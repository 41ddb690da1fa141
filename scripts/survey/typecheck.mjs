// Stage 2: every generated module type-checked by one `tsc --strict` run (one run over all of
// them is far faster than one per header) and compiled to JavaScript for the load stage.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Compiles every .ts under work/ts to work/js. Returns each file with errors (relative to
 * work/ts, e.g. `x86_64/linux/fs.ts`) and its first error.
 */
export function typecheck(root, work) {
  const files = fs.readdirSync(path.join(work, "ts"), { recursive: true }).filter((f) => f.endsWith(".ts")).map((f) => path.join(work, "ts", f));
  const config = {
    compilerOptions: {
      target: "es2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      strict: true,
      noUnusedLocals: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      rootDir: path.join(work, "ts"),
      outDir: path.join(work, "js"),
      typeRoots: [path.join(root, "node_modules", "@types")],
      types: ["node"],
    },
    files,
  };
  fs.writeFileSync(path.join(work, "tsconfig.json"), JSON.stringify(config, null, 1));
  // The emitted .js files are ES modules.
  fs.writeFileSync(path.join(work, "package.json"), '{ "type": "module" }\n');
  const r = spawnSync(path.join(root, "node_modules", ".bin", "tsc"), ["-p", path.join(work, "tsconfig.json"), "--pretty", "false"], { cwd: work, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  const errors = new Map();
  for (const line of r.stdout.split("\n")) {
    const m = /^(.+?\.ts)\(\d+,\d+\): error (.*)$/.exec(line.trim());
    if (!m) continue;
    const file = path.relative(path.join(work, "ts"), path.resolve(work, m[1]));
    if (!errors.has(file)) errors.set(file, m[2]);
  }
  if (r.status !== 0 && !errors.size) throw new Error(`tsc failed: ${r.stdout.slice(0, 1000)}${r.stderr.slice(0, 1000)}`);
  return { files: files.length, errors };
}
