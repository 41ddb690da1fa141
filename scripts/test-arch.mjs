#!/usr/bin/env node
// npm run test:arch — every architecture row: the layout oracle with each row's cross compiler
// (dist/test/arch/oracle.arch.js), the codecs against bytes those compilers lay out
// (codecs.arch.js), and the codec checks under a real s390x Node. Installs what is missing:
// Debian's gcc-<triplet> cross compilers (which bring the s390x libraries), qemu-user-static, and
// node-linux-s390x from the npm registry (pinned, checked, cached in ~/.cache/uapigen).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const S390X_NODE = { name: "node-linux-s390x", version: "20.11.0", sha512: "d3417cf22fbd8d57b1a73c58043ad8fb15ea7b25375d6d49872a311aa49b9d46e670ecef6334928d5c5a40b7461cdb5abd9cb0376e34e7cb230aad2b54c1f367" };
const S390X_SYSROOT = "/usr/s390x-linux-gnu";
const QEMU = "qemu-s390x-static";

const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

function aptInstall(packages) {
  if (!packages.length) return;
  console.log(`test:arch: installing ${packages.join(" ")}`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** The s390x node binary, unpacked from the registry's tarball once its sha512 matches the pin. */
function s390xNode() {
  const dir = path.join(os.homedir(), ".cache", "uapigen", `${S390X_NODE.name}-${S390X_NODE.version}`);
  const bin = path.join(dir, "package", "bin", "node");
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  console.log(`test:arch: fetching ${S390X_NODE.name}@${S390X_NODE.version} from the npm registry`);
  const file = execFileSync("npm", ["pack", `${S390X_NODE.name}@${S390X_NODE.version}`, "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop();
  const tgz = path.join(dir, file);
  const sha512 = createHash("sha512").update(fs.readFileSync(tgz)).digest("hex");
  if (sha512 !== S390X_NODE.sha512) throw new Error(`${tgz}: sha512 ${sha512}, expected ${S390X_NODE.sha512}`);
  execFileSync("tar", ["xzf", tgz, "-C", dir, "package/bin/node"]);
  fs.rmSync(tgz);
  return bin;
}

const { CROSS_GCC } = await import(path.join(ROOT, "dist", "test", "arch", "cross.js"));
aptInstall([
  ...Object.values(CROSS_GCC).filter((gcc) => gcc !== "gcc" && !have(gcc)).map((gcc) => `gcc-${gcc.replace(/-gcc$/, "")}`),
  ...(have(QEMU) ? [] : ["qemu-user-static"]),
]);
const env = { ...process.env, UAPIGEN_S390X_NODE: [QEMU, "-L", S390X_SYSROOT, s390xNode()].join(" ") };
const dir = path.join(ROOT, "dist", "test", "arch");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".arch.js")).sort().map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env });
process.exitCode = r.status ?? 1;
