// The generator as a user installs it: `npm install -D` of its tarball (and the runtime's) in an
// empty project, `npx uapigen generate` on a system header, and the module type-checks and runs
// there, with every request number gcc evaluates from the header.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { emptyProject, gccValues, npmInstall, requestNames, tarball, typecheck } from "./project.js";

/** Set by scripts/test-package.mjs: linux-libc-dev 7.3's usr/include. */
export const LIBC_DEV_ENV = "UAPIGEN_LIBC_DEV_7_3";

const project = emptyProject("generator-user");
const install = npmInstall(project, [tarball("uapigen")], ["-D"]);
npmInstall(project, [tarball("runtime")]);
const modules = path.join(project, "node_modules");

const uapigen = (args: string[]) => spawnSync("npx", ["--no-install", "uapigen", ...args], { cwd: project, encoding: "utf8" });

test("installing the generator builds nothing natively; the runtime comes prebuilt", () => {
  assert.doesNotMatch(install, /gyp (info|ERR)/);
  assert.ok(fs.existsSync(path.join(modules, "uapigen", "dist", "cli", "cli.js")), "the tarball ships compiled JS");
  assert.ok(!fs.existsSync(path.join(modules, "uapigen", "dist", "cli", "cli.d.ts")), "and nothing else of the build");
  assert.ok(!fs.existsSync(path.join(modules, "@uapigen", "runtime", "native", "build")), "no source build of the shim");
  assert.ok(fs.existsSync(path.join(modules, "@uapigen", "runtime", "native", "prebuilds", "linux-x64", "node.napi.node")));
  const v = uapigen(["--version"]);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), JSON.parse(fs.readFileSync(path.join(modules, "uapigen", "package.json"), "utf8")).version);
});

/**
 * Generates `header` into src/<dir>, type-checks and compiles it, loads it in Node and returns
 * each request number of its ioctls table.
 */
function generateAndLoad(header: string, dir: string, extra: string[] = []): Record<string, number> {
  const out = path.join("src", dir);
  const r = uapigen(["generate", "--header", header, "--out", out, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /error|runtime-missing|internal/);
  const stem = path.basename(header, ".h");
  typecheck(project, [path.join(out, `${stem}.ts`), path.join(out, `${stem}-ioctls.ts`)], "build");
  const script = `const m = await import("./build/${out}/${stem}.js"); await import("./build/${out}/${stem}-ioctls.js"); console.log(JSON.stringify(Object.fromEntries(Object.keys(m.ioctls).map((n) => [n, m[n]]))));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: project, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, number>;
}

function checkRequests(label: string, header: string, emitted: Record<string, number>, includeDirs: string[] = []): number {
  const names = requestNames(header, includeDirs);
  const gcc = gccValues(header, names, includeDirs);
  assert.deepEqual(Object.fromEntries(names.map((n) => [n, emitted[n]])), gcc, "every request gcc evaluates, with gcc's value");
  console.log(`${label}: gcc evaluates ${names.length} requests, uapigen emits ${names.filter((n) => emitted[n] === gcc[n]).length}`);
  return names.length;
}

test("npx uapigen generate --header /usr/include/linux/userfaultfd.h: every request gcc evaluates", () => {
  const header = "/usr/include/linux/userfaultfd.h";
  const count = checkRequests("system userfaultfd.h", header, generateAndLoad(header, "system"));
  assert.ok(count >= 8, `gcc sees ${count} requests`);
});

test("linux-libc-dev 7.3's userfaultfd.h: all 13 requests (12 UFFDIO_*, USERFAULTFD_IOC_NEW)", () => {
  const include = process.env[LIBC_DEV_ENV];
  assert.ok(include, `${LIBC_DEV_ENV} is not set: run this through \`npm run test:package\``);
  const header = path.join(include, "linux", "userfaultfd.h");
  const dirs = [include, path.join(include, "x86_64-linux-gnu")];
  const emitted = generateAndLoad(header, "v7.3", dirs.flatMap((d) => ["-I", d]));
  assert.equal(checkRequests("7.3 userfaultfd.h", header, emitted, dirs), 13);
  assert.equal(Object.keys(emitted).length, 13, "and nothing else");
});

for (const version of ["22", "24"]) {
  test(`Node ${version}: the installed generator runs, and the generated module calls the kernel through the prebuilt shim`, () => {
    const command = process.env[`UAPIGEN_NODE_${version}`];
    assert.ok(command, `UAPIGEN_NODE_${version} is not set: run this through \`npm run test:package\``);
    const r = spawnSync(command, [path.join(modules, "uapigen", "bin", "uapigen.js"), "generate", "--header", "/usr/include/linux/userfaultfd.h", "--out", `src/node${version}`], { cwd: project, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    // Same generator, same bytes, whichever Node ran it.
    assert.equal(fs.readFileSync(path.join(project, "src", `node${version}`, "userfaultfd.ts"), "utf8"), fs.readFileSync(path.join(project, "src", "system", "userfaultfd.ts"), "utf8"));
    // The module compiled under Node 20 (build/src/system), run under this Node: a real ioctl.
    const script = `const io = await import("./build/src/system/userfaultfd-ioctls.js"); const fs = await import("node:fs"); const fd = fs.openSync("/dev/null", "r"); try { io.uffdioApi(fd, {}); } catch (e) { console.log(JSON.stringify({ version: process.versions.node.split(".")[0], code: e.code, ioctl: e.ioctl })); }`;
    const run = spawnSync(command, ["--input-type=module", "-e", script], { cwd: project, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { version, code: "ENOTTY", ioctl: "UFFDIO_API" });
  });
}
