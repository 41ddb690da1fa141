#!/usr/bin/env node
// npm run test:arch — the layout oracle on every architecture row. Installs Debian's cross
// compilers (gcc-<triplet>) that are missing, then runs dist/test/arch.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { CROSS_GCC } = await import(path.join(ROOT, "dist", "test", "arch", "oracle.arch.js"));
const missing = Object.values(CROSS_GCC)
  .filter((gcc) => gcc !== "gcc" && spawnSync("sh", ["-c", `command -v ${gcc}`]).status !== 0)
  .map((gcc) => `gcc-${gcc.replace(/-gcc$/, "")}`);
if (missing.length) {
  console.log(`test:arch: installing ${missing.join(" ")}`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
const files = fs.readdirSync(path.join(ROOT, "dist", "test", "arch")).filter((f) => f.endsWith(".arch.js")).map((f) => path.join(ROOT, "dist", "test", "arch", f));
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
process.exitCode = r.status ?? 1;
