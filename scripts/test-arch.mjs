#!/usr/bin/env node
// npm run test:arch — every architecture row of scripts/lib/abi-list.mjs: the committed rows
// against what the cross compilers say (`scripts/abi-facts.mjs --check`), the layout oracle with
// each row's cross compiler (dist/test/arch/oracle.arch.js), the codecs against bytes those
// compilers lay out (codecs.arch.js), and the codec checks under a real s390x Node. Installs what
// is missing: Debian's gcc-<triplet> cross compilers (which bring the s390x libraries),
// qemu-user-static, and node-linux-s390x from the npm registry (pinned, checked, cached in
// ~/.cache/uapigen).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ABI_LIST, abiListRow } from "./lib/abi-list.mjs";
import { aptInstall, nodeCommand, have } from "./lib/tools.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const QEMU = abiListRow("s390x").qemu;

aptInstall([
  ...ABI_LIST.filter((row) => !have(row.gcc)).map((row) => row.package),
  ...(have(QEMU) ? [] : ["qemu-user-static"]),
], "test:arch");
const facts = spawnSync(process.execPath, [path.join(ROOT, "scripts", "abi-facts.mjs"), "--check"], { stdio: "inherit" });
if (facts.status !== 0) {
  process.exitCode = 1;
  console.error("test:arch: the committed ABI rows differ from what the cross compilers say; run `node scripts/abi-facts.mjs --write` and review the diff");
}
const env = { ...process.env, UAPIGEN_S390X_NODE: nodeCommand("s390x", "test:arch") };
const dir = path.join(ROOT, "dist", "test", "arch");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".arch.js")).sort().map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env });
process.exitCode = process.exitCode || (r.status ?? 1);
