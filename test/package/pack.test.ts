// The consumer package: packed, installed into an empty project, type-checked and called there.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.js";

const CONSUMER = `
import { iommu_ioas_map, IOMMU_IOAS_MAP } from "uapigen-linux/iommufd";
import { IOMMU_IOAS_ALLOC } from "uapigen-linux/iommufd/ioctls";
import { VFIO_GET_API_VERSION } from "uapigen-linux/vfio/ioctls";
import { isSystemError } from "uapigen-linux/runtime";
import fs from "node:fs";

const buf = new DataView(new ArrayBuffer(iommu_ioas_map.size));
iommu_ioas_map.encode({ ioas_id: 3, length: 4096n }, buf);
const decoded: iommu_ioas_map = iommu_ioas_map.decode(buf);
const fd = fs.openSync("/dev/null", "r");
const errors: string[] = [];
for (const call of [() => IOMMU_IOAS_ALLOC(fd), () => VFIO_GET_API_VERSION(fd)]) {
  try {
    call();
  } catch (err) {
    if (isSystemError(err)) errors.push(\`\${err.code} \${err.ioctl}\`);
  }
}
console.log(JSON.stringify({ request: IOMMU_IOAS_MAP, size: decoded.size, ioas_id: decoded.ioas_id, errors }));
`;

test("npm pack: the package installs into an empty project and its typed calls work there", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-consumer-"));
  const tgz = execFileSync(process.execPath, [path.join(ROOT, "scripts", "pack-runtime.mjs"), path.join(dir, "pack")], { encoding: "utf8" }).trim();
  const project = path.join(dir, "app");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tgz], { cwd: project, encoding: "utf8" });
  assert.equal(install.status, 0, install.stderr);
  const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "uapigen-linux", "package.json"), "utf8")) as { dependencies: Record<string, string> };
  // None of the generator's toolchain comes along.
  assert.deepEqual(Object.keys(installed.dependencies), ["node-gyp-build"]);
  for (const tool of ["tree-sitter", "tree-sitter-c", "ts-morph", "prettier", "typescript"]) assert.ok(!fs.existsSync(path.join(project, "node_modules", tool)), `${tool} must not be installed`);
  // The .d.ts files type-check a consumer through the exports map.
  fs.writeFileSync(path.join(project, "main.ts"), CONSUMER);
  fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", target: "es2022", strict: true, noEmit: true, types: [], typeRoots: [path.join(ROOT, "node_modules", "@types")] }, files: ["main.ts", path.join(ROOT, "node_modules", "@types", "node", "index.d.ts")] }));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: project, encoding: "utf8" });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  // And the calls run: the codec, and real ioctls through the prebuilt shim (ENOTTY on /dev/null).
  fs.writeFileSync(path.join(project, "main.mjs"), CONSUMER.replace(": iommu_ioas_map =", " =").replace(": string[] =", " ="));
  const run = spawnSync(process.execPath, ["main.mjs"], { cwd: project, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { request: 0x3b85, size: 40, ioas_id: 3, errors: ["ENOTTY IOMMU_IOAS_ALLOC", "ENOTTY VFIO_GET_API_VERSION"] });
  fs.rmSync(dir, { recursive: true, force: true });
});
