// npm run test:asan: the runtime's safety tests (test/asan/*.asan.ts) in a Node process running
// AddressSanitizer, against a fake kernel that touches user memory with the 7.3 handlers'
// extents. Builds the fake kernel and an ASan build of the shim (in ~/.cache/uapigen/asan),
// preloads libasan and the fake, and fails on any ASan report or test failure.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (m) => console.log(`test:asan: ${m}`);
const fail = (m) => {
  console.error(`test:asan: ${m}`);
  process.exit(1);
};

const libasan = execFileSync("gcc", ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
if (!path.isAbsolute(libasan) || !fs.existsSync(libasan)) fail(`gcc has no libasan (${libasan}): apt-get install gcc`);

log("building the fake kernel");
const fake = execFileSync("sh", [path.join(root, "test", "asan", "build.sh")], { encoding: "utf8" }).trim().split("\n").pop();

// The shim, built with -fsanitize=address from the same sources, outside the checkout.
const shim = path.join(os.homedir(), ".cache", "uapigen", "asan-shim");
fs.rmSync(shim, { recursive: true, force: true });
fs.mkdirSync(shim, { recursive: true });
fs.cpSync(path.join(root, "runtime", "native", "binding.gyp"), path.join(shim, "binding.gyp"));
fs.cpSync(path.join(root, "runtime", "native", "src"), path.join(shim, "src"), { recursive: true });
const gyp = process.env.npm_config_node_gyp;
if (!gyp) fail("run through npm (npm run test:asan): it provides node-gyp");
log("building the shim with -fsanitize=address");
const built = spawnSync(process.execPath, [gyp, "rebuild", "--directory", shim], {
  env: { ...process.env, CFLAGS: "-fsanitize=address -fno-omit-frame-pointer -g", LDFLAGS: "-fsanitize=address" },
  stdio: ["ignore", "ignore", "inherit"],
});
if (built.status !== 0) fail("the ASan shim did not build");
const nm = execFileSync("nm", ["-D", path.join(shim, "build", "Release", "uapigen_shim.node")], { encoding: "utf8" });
if (!/__asan_/.test(nm)) fail("the shim was built without AddressSanitizer");

const tests = fs.readdirSync(path.join(root, "dist", "test", "asan")).filter((f) => f.endsWith(".asan.js")).map((f) => path.join(root, "dist", "test", "asan", f));
if (!tests.length) fail("no compiled tests in dist/test/asan (npm run build first)");
log(`running ${tests.map((t) => path.basename(t)).join(", ")} under AddressSanitizer`);
const run = spawnSync(process.execPath, ["--expose-gc", "--test", "--test-concurrency=1", ...tests], {
  cwd: root,
  env: {
    ...process.env,
    // Node's own SIGSEGV handler would hide a wild access: ASan reports it instead.
    ASAN_OPTIONS: "detect_leaks=0:allow_user_segv_handler=0:abort_on_error=1:halt_on_error=1",
    LD_PRELOAD: `${libasan} ${fake}`,
    UAPIGEN_NATIVE_DIR: shim,
  },
  stdio: "inherit",
});
if (run.status !== 0) fail(`failed (exit ${run.status ?? run.signal}); an AddressSanitizer report above means the kernel touched memory it was not given`);
log("clean: no AddressSanitizer report");
