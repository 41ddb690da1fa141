#!/usr/bin/env node
// The runtime's prebuilt shims, rebuilt each time the package is packed (its prepack runs this
// in runtime/): linux-x64 with node-gyp as the source build does, linux-arm64 with Debian's
// aarch64 cross compiler. N-API binaries, so one build serves every Node version; node-gyp-build
// finds them as native/prebuilds/<platform>-<arch>/node.napi.node. Source builds stay the
// fallback for other machines (the package ships native/src and binding.gyp).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const NATIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "runtime", "native");
const PREBUILDS = path.join(NATIVE, "prebuilds");
const ARM64_GCC = "aarch64-linux-gnu-gcc";

function fail(message) {
  console.error(`prebuilds: ${message}`);
  process.exit(1);
}

/** The flags of binding.gyp, so the cross build compiles the shim exactly as node-gyp does. */
function gypFlags() {
  const target = JSON.parse(fs.readFileSync(path.join(NATIVE, "binding.gyp"), "utf8")).targets[0];
  return { sources: target.sources, cflags: target.cflags, defines: target.defines };
}

/** Node's headers: where node-gyp is told to find them (nodedir), else beside this Node. */
function nodeHeaders() {
  const nodedir = process.env.npm_config_nodedir || path.join(path.dirname(process.execPath), "..");
  const dir = path.join(nodedir, "include", "node");
  if (!fs.existsSync(path.join(dir, "node_api.h"))) fail(`no node_api.h in ${dir}: set nodedir to a Node source or headers tree`);
  return dir;
}

fs.rmSync(PREBUILDS, { recursive: true, force: true });

// linux-x64: a clean node-gyp build (npm puts its node-gyp on PATH for lifecycle scripts).
if (process.arch !== "x64") fail(`packing builds the linux-x64 shim natively; this is ${process.arch}`);
execFileSync("node-gyp", ["rebuild"], { cwd: NATIVE, stdio: ["ignore", "ignore", "inherit"] });
fs.mkdirSync(path.join(PREBUILDS, "linux-x64"), { recursive: true });
fs.copyFileSync(path.join(NATIVE, "build", "Release", "uapigen_shim.node"), path.join(PREBUILDS, "linux-x64", "node.napi.node"));

// linux-arm64: the same sources and flags through the cross compiler. An addon leaves Node's
// symbols undefined (Node provides them when it loads the addon), so nothing else is linked.
if (spawnSync("sh", ["-c", `command -v ${ARM64_GCC}`]).status !== 0) fail(`${ARM64_GCC} is missing: apt-get install gcc-aarch64-linux-gnu`);
const { sources, cflags, defines } = gypFlags();
const arm64 = path.join(PREBUILDS, "linux-arm64", "node.napi.node");
fs.mkdirSync(path.dirname(arm64), { recursive: true });
execFileSync(ARM64_GCC, ["-shared", "-fPIC", "-O2", ...cflags, ...defines.map((d) => `-D${d}`), "-DBUILDING_NODE_EXTENSION", "-I", nodeHeaders(), ...sources.map((s) => path.join(NATIVE, s)), "-o", arm64], { stdio: "inherit" });
for (const file of [path.join(PREBUILDS, "linux-x64", "node.napi.node"), arm64]) console.error(`prebuilds: ${path.relative(path.dirname(NATIVE), file)} (${fs.statSync(file).size} bytes)`);
