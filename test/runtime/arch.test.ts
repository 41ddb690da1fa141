// The load-time choice of architecture: the host's row by process.arch and os.endianness(), the
// UAPIGEN_ARCH override, a clear error for a machine the bindings were not generated for, and no
// ioctls while another machine's layouts are loaded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { hostArch, selectArch, UnsupportedArchitectureError } from "#runtime/arch.js";
import { ROOT } from "../helpers.js";

const IOMMUFD = path.join(ROOT, "linux", "dist", "generated", "iommufd.js");
const IOCTLS = path.join(ROOT, "linux", "dist", "generated", "iommufd-ioctls.js");

/** Runs `code` as an ES module in a child Node; `preload` runs first (to fake process.arch). */
function node(code: string, env: Record<string, string> = {}, preload?: string) {
  const args = preload ? ["--import", `data:text/javascript,${encodeURIComponent(preload)}`] : [];
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.UAPIGEN_ARCH) delete clean.UAPIGEN_ARCH;
  return spawnSync(process.execPath, [...args, "--input-type=module", "-e", code], { env: clean, encoding: "utf8" });
}

test("this machine is x86_64 and the generated modules load its row", () => {
  assert.equal(hostArch(), "x86_64");
  const r = node(`const m = await import(${JSON.stringify(IOMMUFD)}); console.log(m.IOMMU_IOAS_MAP.toString(16));`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "3b85");
});

test("UAPIGEN_ARCH selects another row: powerpc's request numbers and byte order", () => {
  const r = node(
    `const m = await import(${JSON.stringify(IOMMUFD)}); const b = new Uint8Array(m.iommu_ioas_map.size); m.iommu_ioas_map.encode({ flags: 1 }, b); console.log(m.IOMMU_IOAS_MAP.toString(16), Buffer.from(b.subarray(0, 8)).toString("hex"));`,
    { UAPIGEN_ARCH: "powerpc" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "20003b85 0000002800000001");
});

test("a machine the bindings do not know is an error when the module loads", () => {
  const r = node(`await import(${JSON.stringify(IOMMUFD)});`, {}, `Object.defineProperty(process, "arch", { value: "s390" });`);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /UnsupportedArchitectureError: the uapigen bindings for <linux\/iommufd\.h> have no layout for this machine \(process\.arch 's390', little-endian\); they were generated for: x86_64, i386, .*hppa\./);
  const forced = node(`await import(${JSON.stringify(IOMMUFD)});`, { UAPIGEN_ARCH: "vax" });
  assert.match(forced.stderr, /have no layout for UAPIGEN_ARCH=vax/);
});

test("a row uapigen knows but the module was not generated for is refused too", () => {
  assert.throws(() => selectArch("linux/x.h", { aarch64: 0 }), (e: Error) => e instanceof UnsupportedArchitectureError && /this machine \(process\.arch 'x64', little-endian\); they were generated for: aarch64\./.test(e.message));
  const saved = process.env.UAPIGEN_ARCH;
  process.env.UAPIGEN_ARCH = "s390x";
  try {
    assert.throws(() => selectArch("linux/x.h", { x86_64: 0 }), /no layout for UAPIGEN_ARCH=s390x; they were generated for: x86_64\./);
    assert.deepEqual(selectArch("linux/x.h", { x86_64: 0, s390x: 1 }), { name: "s390x", littleEndian: false, variant: 1 });
  } finally {
    if (saved === undefined) delete process.env.UAPIGEN_ARCH;
    else process.env.UAPIGEN_ARCH = saved;
  }
});

test("no ioctl reaches the kernel while another machine's layouts are loaded", () => {
  const r = node(`const m = await import(${JSON.stringify(IOCTLS)}); try { m.iommuIoasAlloc(0); } catch (e) { console.log(e.name + ": " + e.message); }`, { UAPIGEN_ARCH: "s390x" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /UnsupportedArchitectureError: ioctl: UAPIGEN_ARCH=s390x selects another machine's layouts; ioctls are refused on x86_64/);
});
