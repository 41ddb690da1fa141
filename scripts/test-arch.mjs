#!/usr/bin/env node
// npm run test:arch — every architecture row: the layout oracle with each row's cross compiler
// (dist/test/arch/oracle.arch.js), the codecs against bytes those compilers lay out
// (codecs.arch.js), and the codec checks under a real s390x Node. Installs what is missing:
// Debian's gcc-<triplet> cross compilers (which bring the s390x libraries), qemu-user-static, and
// node-linux-s390x from the npm registry (pinned, checked, cached in ~/.cache/uapigen).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { aptInstall, nodeCommand, have } from "./lib/tools.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const QEMU = "qemu-s390x-static";

const { CROSS_GCC } = await import(path.join(ROOT, "dist", "test", "arch", "cross.js"));
aptInstall([
  ...Object.values(CROSS_GCC).filter((gcc) => gcc !== "gcc" && !have(gcc)).map((gcc) => `gcc-${gcc.replace(/-gcc$/, "")}`),
  ...(have(QEMU) ? [] : ["qemu-user-static"]),
], "test:arch");
const env = { ...process.env, UAPIGEN_S390X_NODE: nodeCommand("s390x", "test:arch") };
const dir = path.join(ROOT, "dist", "test", "arch");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".arch.js")).sort().map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env });
process.exitCode = r.status ?? 1;
