#!/usr/bin/env node
// npm run test:kernel [-- --kernel 7.3|6.12|all] [--suite iommufd|devices|all] — the runtime
// against a real iommufd, and a real PCI device through vfio-pci.
// Builds (or reuses, keyed by source version and config) a minimal x86_64 kernel with
// CONFIG_IOMMUFD_TEST from Debian's linux-source package, packs an initramfs with Node, the
// compiled runtime, the generated bindings and the guest tests, boots it under
// qemu-system-x86_64 -accel tcg, streams the serial console, and fails on any test failure, on a
// timeout, or if the guest never reaches the tests.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { lockFile } from "./lib/cache-lock.mjs";
import { downloadDeb } from "./lib/debian.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const KERNELS = { "7.3": "7.3.4-1~bpo13+1", "6.12": "6.12.117-1" };
const FRAGMENT = path.join(ROOT, "kernel", "iommufd.config");
// Outside the checkout, so fresh clones on the same machine reuse what was built.
const CACHE = process.env.UAPIGEN_KERNEL_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "uapigen", "kernel");
const TIMEOUT_S = Number(process.env.UAPIGEN_KERNEL_TIMEOUT ?? 600);

const args = process.argv.slice(2);
const which = args.includes("--kernel") ? (args[args.indexOf("--kernel") + 1] ?? "all") : "all";
const selected = which === "all" ? Object.keys(KERNELS) : [which];
for (const k of selected) if (!KERNELS[k]) fail(`unknown kernel '${k}' (known: ${Object.keys(KERNELS).join(", ")}, all)`);
const suiteArg = args.includes("--suite") ? (args[args.indexOf("--suite") + 1] ?? "all") : "all";
const suites = suiteArg === "all" ? ["iommufd", "devices"] : [suiteArg];
for (const s of suites) if (!["iommufd", "devices"].includes(s)) fail(`unknown suite '${s}' (known: iommufd, devices, all)`);

function fail(message) {
  console.error(`test:kernel: error: ${message}`);
  process.exit(2);
}

const log = (m) => console.log(`test:kernel: ${m}`);
const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"], ...opts });

/** The Debian packages the build and the VM need, installed when a command is missing. */
function ensurePackages() {
  const needs = { flex: "flex", bison: "bison", bc: "bc", cpio: "cpio", "qemu-system-x86_64": "qemu-system-x86", gcc: "gcc", make: "make", xz: "xz-utils" };
  const missing = Object.entries(needs).filter(([cmd]) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0).map(([, pkg]) => pkg);
  if (!fs.existsSync("/usr/include/libelf.h")) missing.push("libelf-dev");
  if (!fs.existsSync("/usr/include/sys/capability.h")) missing.push("libcap-dev");
  if (!missing.length) return;
  log(`installing ${missing.join(" ")}`);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", ...missing], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

const sha = (data) => createHash("sha256").update(data).digest("hex").slice(0, 16);

/** Cache entries no run has used for this long are removed (other branches' configs included). */
const PRUNE_AFTER_MS = 14 * 24 * 3600 * 1000;

/**
 * The built kernel of a version (cached) and its selftest. Concurrent runs on one machine share
 * the cache: each entry is built under an flock of its own, in a `.partial` directory renamed
 * into place when complete, so a run never sees (or boots) half an entry, and two runs never
 * build the same entry at once.
 */
async function kernel(series) {
  const version = KERNELS[series];
  const key = `${version}-${sha(fs.readFileSync(FRAGMENT))}`;
  const dir = path.join(CACHE, key);
  fs.mkdirSync(CACHE, { recursive: true });
  const release = await lockFile(path.join(CACHE, `${key}.lock`), () => log(`kernel ${version}: another run is building it; waiting for its lock`));
  try {
    if (!fs.existsSync(path.join(dir, "bzImage"))) await build(series, version, dir);
    else log(`kernel ${version}: cached (${dir})`);
    const now = new Date();
    fs.utimesSync(dir, now, now); // last used: what pruning goes by
  } finally {
    release();
  }
  await prune();
  const selftest = path.join(dir, "iommufd-selftest");
  const noSelftest = path.join(dir, "selftest-unavailable.txt");
  return { image: path.join(dir, "bzImage"), version, selftest: fs.existsSync(selftest) ? selftest : undefined, selftestMissing: fs.existsSync(noSelftest) ? fs.readFileSync(noSelftest, "utf8").trim() : undefined };
}

/** Removes entries unused for PRUNE_AFTER_MS whose lock is free (nobody builds or waits for them). */
async function prune() {
  for (const name of fs.readdirSync(CACHE)) {
    const entry = path.join(CACHE, name);
    if (name.endsWith(".lock") || name.endsWith(".partial") || Date.now() - fs.statSync(entry).mtimeMs < PRUNE_AFTER_MS) continue;
    const release = await lockFile(`${entry}.lock`, null);
    if (!release) continue;
    try {
      log(`removing ${name} from the cache (unused for ${Math.round(PRUNE_AFTER_MS / 864e5)} days)`);
      fs.rmSync(entry, { recursive: true, force: true });
    } finally {
      release();
    }
  }
}

/** Builds a kernel and its selftest into `${dir}.partial`, then renames it to `dir`. */
async function build(series, version, dir) {
  // Under the lock: a .partial here is what a run that died left behind.
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  fs.mkdirSync(partial, { recursive: true });
  const work = path.join(partial, "download");
  fs.mkdirSync(work, { recursive: true });
  log(`kernel ${version}: downloading linux-source-${series}`);
  const deb = downloadDeb(`linux-source-${series}=${version}`, work);
  run("dpkg-deb", ["-x", deb, path.join(work, "x")]);
  const tarball = fs.readdirSync(path.join(work, "x", "usr", "src")).find((f) => f.endsWith(".tar.xz"));
  run("tar", ["xf", path.join(work, "x", "usr", "src", tarball), "-C", partial]);
  fs.renameSync(path.join(partial, tarball.replace(/\.tar\.xz$/, "")), path.join(partial, "src"));
  fs.rmSync(work, { recursive: true, force: true });
  const src = path.join(partial, "src");
  run("make", ["-s", "tinyconfig"], { cwd: src });
  run(path.join(src, "scripts", "kconfig", "merge_config.sh"), ["-m", "-Q", ".config", FRAGMENT], { cwd: src, stdio: ["ignore", "ignore", "inherit"] });
  run("make", ["-s", "olddefconfig"], { cwd: src });
  // Every option the fragment asks for must have stuck; options this version does not define
  // (GENERIC_PT and IOMMU_PT_* are new in 7.x) are reported and skipped.
  const config = fs.readFileSync(path.join(src, ".config"), "utf8");
  const known = new Set(execFileSync("sh", ["-c", "grep -rhoE '^(menu)?config [A-Z0-9_]+' --include='Kconfig*' . | awk '{print $2}'"], { cwd: src, encoding: "utf8", maxBuffer: 1 << 26 }).split("\n"));
  const fragment = fs.readFileSync(FRAGMENT, "utf8");
  const soft = new Set([...fragment.matchAll(/^# soft: CONFIG_(\w+)/gm)].map((m) => m[1]));
  const wrong = [];
  const absent = [];
  const softMissed = [];
  for (const m of fragment.matchAll(/^CONFIG_(\w+)=([yn])$/gm)) {
    if (!known.has(m[1])) {
      absent.push(m[1]);
      continue;
    }
    const on = new RegExp(`^CONFIG_${m[1]}=y$`, "m").test(config);
    if ((m[2] === "y") !== on) (soft.has(m[1]) ? softMissed : wrong).push(`CONFIG_${m[1]}=${m[2]}`);
  }
  if (softMissed.length) log(`kernel ${version}: soft options that did not stick: ${softMissed.join(", ")}`);
  if (absent.length) log(`kernel ${version}: not in this version's Kconfig, skipped: ${absent.join(", ")}`);
  if (wrong.length) fail(`kernel ${version}: these options did not stick after olddefconfig: ${wrong.join(", ")}`);
  log(`kernel ${version}: building bzImage with -j${os.cpus().length}`);
  run("make", ["-s", `-j${os.cpus().length}`, "bzImage"], { cwd: src, stdio: ["ignore", "ignore", "inherit"] });
  // The upstream selftest of the same source, static, as the reference run.
  run("make", ["-s", "headers"], { cwd: src, stdio: ["ignore", "ignore", "inherit"] });
  const st = path.join(src, "tools", "testing", "selftests", "iommu");
  // Debian's 6.12.117 source carries a selftest backported from newer kernels that does not
  // compile against its own headers: the reference run is then reported as unavailable.
  const built = spawnSync("make", ["-s", "-C", st, "LDFLAGS=-static", path.join(st, "iommufd")], { encoding: "utf8" });
  if (built.status === 0) fs.copyFileSync(path.join(st, "iommufd"), path.join(partial, "iommufd-selftest"));
  else {
    const why = /error: .*/.exec(built.stderr)?.[0] ?? `make exited ${built.status}`;
    fs.writeFileSync(path.join(partial, "selftest-unavailable.txt"), `the upstream selftest of this source does not build: ${why}\n`);
  }
  fs.copyFileSync(path.join(src, "arch", "x86", "boot", "bzImage"), path.join(partial, "bzImage"));
  fs.rmSync(src, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  log(`kernel ${version}: built in ${Math.round((Date.now() - t0) / 1000)} s`);
}

/** Copies a file (and its parent dirs) into the initramfs tree at the same absolute path. */
function install(stage, file, as = file) {
  const target = path.join(stage, as);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
  fs.chmodSync(target, fs.statSync(file).mode);
}

/** The initramfs: init, node and its libraries, the runtime, bindings and guest tests. */
function initramfs(extra) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-initramfs-"));
  execFileSync("gcc", ["-static", "-O2", "-o", path.join(stage, "init"), path.join(ROOT, "kernel", "init.c")]);
  const nodeBin = fs.realpathSync(process.execPath);
  install(stage, nodeBin, "/bin/node");
  const libs = execFileSync("ldd", [nodeBin], { encoding: "utf8" }).matchAll(/(\/\S+\.so[.\d]*) \(0x/g);
  for (const m of libs) install(stage, fs.realpathSync(m[1]), m[1]);
  // The workspace as it is here: the packages' compiled JS, linked into node_modules by name,
  // and the root package.json whose "imports" the tests use (one module instance either way).
  for (const dir of ["runtime/dist", "linux/dist", "dist/kernel"]) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true })) {
      const p = path.join(ROOT, dir, f);
      if (fs.statSync(p).isFile() && p.endsWith(".js")) install(stage, p, path.join("/uapigen", dir, f));
    }
  }
  for (const pkg of ["runtime", "linux"]) {
    install(stage, path.join(ROOT, pkg, "package.json"), `/uapigen/${pkg}/package.json`);
    fs.mkdirSync(path.join(stage, "uapigen", "node_modules", "@uapigen"), { recursive: true });
    fs.symlinkSync(`../../${pkg}`, path.join(stage, "uapigen", "node_modules", "@uapigen", pkg));
  }
  install(stage, path.join(ROOT, "runtime", "native", "build", "Release", "uapigen_shim.node"), "/uapigen/runtime/native/build/Release/uapigen_shim.node");
  for (const f of fs.readdirSync(path.join(ROOT, "node_modules", "node-gyp-build"))) {
    const p = path.join(ROOT, "node_modules", "node-gyp-build", f);
    if (fs.statSync(p).isFile()) install(stage, p, path.join("/uapigen/node_modules/node-gyp-build", f));
  }
  const { imports } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  fs.writeFileSync(path.join(stage, "uapigen", "package.json"), JSON.stringify({ type: "module", imports }));
  for (const [from, to] of extra) install(stage, from, to);
  const out = path.join(stage, "..", `${path.basename(stage)}.cpio.gz`);
  execFileSync("sh", ["-c", `find . -print0 | cpio --null -o -H newc --quiet | gzip -1 > '${out}'`], { cwd: stage });
  fs.rmSync(stage, { recursive: true, force: true });
  return out;
}

/**
 * Devices behind an emulated Intel VT-d for the real-device suite (kernel/devices/):
 * QEMU's edu on the root bus, another behind a PCIe root port, whose secondary bus reset makes it
 * resettable through vfio (a root-bus edu has no reset method), and a virtio-rng for MSI-X (its
 * MSI-X BAR is the one region vfio-pci gives a capability) and function-level reset, behind a
 * port of its own: only there is it a PCIe function, with FLR.
 */
const DEVICE_QEMU = [
  ...["-machine", "q35", "-device", "intel-iommu,intremap=off"],
  ...["-device", "edu", "-device", "pcie-root-port,id=uapigen-port,chassis=1", "-device", "edu,bus=uapigen-port"],
  ...["-device", "pcie-root-port,id=uapigen-port2,chassis=2", "-device", "virtio-rng-pci-non-transitional,bus=uapigen-port2"],
];
const DEVICE_CMDLINE = "intel_iommu=on iommufd.allow_unsafe_interrupts=1 vfio_pci.ids=1234:11e8,1af4:1044";

/**
 * Each kernel boots twice, once per suite. "iommufd": the tests against the iommufd test mock
 * (kernel/tests/) and the kernel's own selftest, on QEMU's default machine, which has no IOMMU.
 * "devices": the real-device suite (kernel/devices/) on q35 with VT-d. Not one machine: 6.12's
 * test mock cannot share one with an active IOMMU driver (its iommu_device_register_bus gives the
 * mock no fwnode, so mock devices are probed with the ops of the first IOMMU registered without
 * one, VT-d's, and MOCK_DOMAIN fails with EINVAL); 7.x gives it a software node of its own.
 */
const SUITES = {
  // hugepages=64: 128 MiB of 2 MiB pages for the selftest's MAP_HUGETLB cases.
  iommufd: { dir: "tests", qemu: [], cmdline: "hugepages=64", selftest: true },
  // vfio-pci takes the devices, and the IOMMU isolates them without interrupt remapping, which
  // iommufd then has to be told to accept.
  devices: { dir: "devices", qemu: DEVICE_QEMU, cmdline: DEVICE_CMDLINE, selftest: false },
};

/** Boots the kernel for a suite and streams the console; resolves with the guest's exit status and summaries. */
function boot(image, initrd, suite, label) {
  return new Promise((resolve) => {
    const { dir, qemu: machine, cmdline, selftest } = SUITES[suite];
    const command = ["/bin/node", "/uapigen/dist/kernel/guest-run.js", dir, ...(selftest ? ["--selftest"] : [])];
    // clocksource=hpet: a TSC calibrated while a loaded host starves the VM runs the guest's clock
    // many times too fast (timeouts expire early); QEMU's HPET follows the host's clock.
    const append = `console=ttyS0 quiet panic=-1 clocksource=hpet ${cmdline} rdinit=/init -- ${command.join(" ")}`;
    const qemu = spawn("qemu-system-x86_64", ["-accel", "tcg", "-m", "2048", "-smp", "2", ...machine, "-nographic", "-no-reboot", "-kernel", image, "-initrd", initrd, "-append", append], { stdio: ["ignore", "pipe", "pipe"] });
    let started = false;
    let status;
    let buffer = "";
    let console_ = "";
    const timer = setTimeout(() => {
      console.error(`test:kernel: ${label}: timed out after ${TIMEOUT_S} s`);
      qemu.kill("SIGKILL");
    }, TIMEOUT_S * 1000);
    qemu.stdout.on("data", (chunk) => {
      const text = chunk.toString();
      process.stdout.write(text.replace(/\r/g, ""));
      buffer = (buffer + text).slice(-4096);
      if (buffer.includes("UAPIGEN-KERNEL: init started")) started = true;
      const m = /UAPIGEN-KERNEL: exit=(\d+)/.exec(buffer);
      if (m) status = Number(m[1]);
      console_ += text.replace(/\r/g, "");
    });
    qemu.stderr.on("data", (chunk) => process.stderr.write(chunk));
    qemu.on("exit", () => {
      clearTimeout(timer);
      if (!started) console.error(`test:kernel: ${label}: the guest never reached init`);
      else if (status === undefined) console.error(`test:kernel: ${label}: the guest stopped before the tests finished`);
      // Parsed from the whole console: a line may straddle two chunks.
      const summaries = [...console_.matchAll(/UAPIGEN-SUMMARY (.*)/g)].map((m) => m[1].trim());
      resolve({ status: started && status !== undefined ? status : 1, summaries });
    });
  });
}

ensurePackages();
if (!fs.existsSync(path.join(ROOT, "dist", "kernel", "tests"))) fail("dist/kernel/tests is missing: run npm run build first");
let failed = 0;
const results = [];
for (const series of selected) {
  const k = await kernel(series);
  const initrd = initramfs(k.selftest ? [[k.selftest, "/bin/iommufd-selftest"]] : []);
  for (const suite of suites) {
    const t0 = Date.now();
    log(`kernel ${k.version}: booting for the ${suite} suite (initramfs ${(fs.statSync(initrd).size / 2 ** 20).toFixed(1)} MiB)`);
    const { status, summaries } = await boot(k.image, initrd, suite, `kernel ${k.version} (${suite})`);
    log(`kernel ${k.version}: ${suite} suite exited ${status} (${Math.round((Date.now() - t0) / 1000)} s)`);
    results.push(...summaries.map((line) => `kernel ${k.version}: ${line}`));
    if (status !== 0) failed++;
  }
  fs.rmSync(initrd, { force: true });
  if (k.selftestMissing && suites.includes("iommufd")) results.push(`kernel ${k.version}: selftest: ${k.selftestMissing}`);
}
// Side by side: uapigen's scenarios and the kernel's own selftest, per kernel.
for (const line of results) log(line);
process.exitCode = failed ? 1 : 0;
