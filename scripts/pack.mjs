#!/usr/bin/env node
// npm run pack [-- DIR] — the three packages as tarballs (default .pack/): uapigen (the
// generator), @uapigen/runtime (with prebuilt linux-x64 and linux-arm64 shims) and
// @uapigen/linux. Each package's prepack rebuilds what it ships. Prints the tarballs' paths.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGES = ["uapigen", "@uapigen/runtime", "@uapigen/linux"];

const out = path.resolve(process.argv[2] ?? path.join(ROOT, ".pack"));
fs.mkdirSync(out, { recursive: true });
const stdout = execFileSync("npm", ["pack", "--json", "--pack-destination", out, ...PACKAGES.flatMap((p) => ["-w", p])], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
// The prepack scripts' banners come first on stdout; npm's JSON report is the rest.
const packed = JSON.parse(stdout.slice(stdout.search(/^\[/m)));
for (const p of packed) console.log(path.join(out, p.filename));
