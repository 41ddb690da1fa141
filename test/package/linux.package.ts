// The Linux bindings as a VMM installs them: @uapigen/linux and @uapigen/runtime from their
// tarballs in an empty project, type-checked there through the exports maps, and called.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.js";
import { emptyProject, npmInstall, tarball, typecheck } from "./project.js";

const CONSUMER = `
import { iommu_ioas_map, IOMMU_IOAS_MAP } from "@uapigen/linux/iommufd";
import { iommuIoasAlloc } from "@uapigen/linux/iommufd/ioctls";
import { vfioGetApiVersion } from "@uapigen/linux/vfio/ioctls";
import { isSystemError } from "@uapigen/runtime";
import { Iommufd } from "@uapigen/linux";
import fs from "node:fs";

const buf = new DataView(new ArrayBuffer(iommu_ioas_map.size));
iommu_ioas_map.encode({ ioas_id: 3, length: 4096n }, buf);
const decoded: iommu_ioas_map = iommu_ioas_map.decode(buf);
const fd = fs.openSync("/dev/null", "r");
const errors: string[] = [];
for (const call of [() => iommuIoasAlloc(fd), () => vfioGetApiVersion(fd)]) {
  try {
    call();
  } catch (err) {
    if (isSystemError(err)) errors.push(\`\${err.code} \${err.ioctl}\`);
  }
}
console.log(JSON.stringify({ request: IOMMU_IOAS_MAP, size: decoded.size, ioas_id: decoded.ioas_id, errors, highLevel: typeof Iommufd.open }));
`;

test("@uapigen/linux installs into an empty project; its types check and its calls run", () => {
  const project = emptyProject("linux-user");
  npmInstall(project, [tarball("linux"), tarball("runtime")]);
  const modules = path.join(project, "node_modules");
  const installed = JSON.parse(fs.readFileSync(path.join(modules, "@uapigen", "linux", "package.json"), "utf8")) as { dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(installed.dependencies), ["@uapigen/runtime"]);
  // None of the generator's toolchain comes along.
  for (const tool of ["uapigen", "tree-sitter", "tree-sitter-c", "ts-morph", "prettier", "typescript"]) assert.ok(!fs.existsSync(path.join(modules, tool)), `${tool} must not be installed`);
  // The .d.ts files type-check a consumer through the exports maps (with Node's types for fs).
  fs.writeFileSync(path.join(project, "main.ts"), CONSUMER);
  fs.writeFileSync(path.join(project, "node.d.ts"), `/// <reference path="${path.join(ROOT, "node_modules", "@types", "node", "index.d.ts")}" />\n`);
  typecheck(project, ["main.ts", "node.d.ts"]);
  // And the calls run: the codec, and real ioctls through the prebuilt shim (ENOTTY on /dev/null).
  fs.writeFileSync(path.join(project, "main.mjs"), CONSUMER.replace(": iommu_ioas_map =", " =").replace(": string[] =", " =").replace(/^import type .*$/m, ""));
  const run = spawnSync(process.execPath, ["main.mjs"], { cwd: project, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { request: 0x3b85, size: 40, ioas_id: 3, errors: ["ENOTTY IOMMU_IOAS_ALLOC", "ENOTTY VFIO_GET_API_VERSION"], highLevel: "function" });
  fs.rmSync(project, { recursive: true, force: true });
});
