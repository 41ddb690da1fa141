// EventFd on the real shim: waits settle from the libuv loop when the counter becomes nonzero
// (from this thread, another thread, or the kernel), without spinning, and end cleanly on abort
// and close.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { EventFd } from "#runtime/eventfd.js";
import { mmapAnonymous, native } from "#runtime/native.js";
import { ROOT } from "../helpers.js";

const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

test("a count already there resolves at once, and read() resets it", async () => {
  using efd = new EventFd(3);
  assert.equal(await efd.wait(), 3n);
  assert.equal(efd.read(), 0n);
  efd.signal(5n);
  efd.signal(2n);
  assert.equal(efd.read(), 7n);
});

test("a wait is woken by a signal from the loop, and costs no CPU while it waits", async () => {
  using efd = new EventFd();
  const before = process.cpuUsage();
  const t0 = Date.now();
  later(300, () => efd.signal(4n));
  assert.equal(await efd.wait(), 4n);
  assert.ok(Date.now() - t0 >= 290);
  const used = process.cpuUsage(before);
  // A busy poll would burn the whole 300 ms; a watcher on the loop uses next to nothing.
  assert.ok(used.user + used.system < 150_000, `used ${used.user + used.system} µs of CPU while waiting`);
});

test("another thread's write(2) to the fd wakes the wait", async () => {
  using efd = new EventFd();
  const worker = new Worker(
    `const fs = require("node:fs"); const { workerData } = require("node:worker_threads");
     setTimeout(() => { const b = Buffer.alloc(8); b.writeBigUInt64LE(9n); fs.writeSync(workerData, b); }, 100);`,
    { eval: true, workerData: efd.fd },
  );
  assert.equal(await efd.wait(), 9n);
  await new Promise((resolve) => worker.on("exit", resolve));
});

test("semaphore mode: each waiter takes one, in order", async () => {
  using efd = new EventFd(0, { semaphore: true });
  const waits = [efd.wait(), efd.wait(), efd.wait()];
  efd.signal(2n);
  assert.deepEqual(await Promise.all(waits.slice(0, 2)), [1n, 1n]);
  efd.signal(1n);
  assert.equal(await waits[2], 1n);
});

test("an aborted wait rejects with the signal's reason, and the fd keeps working", async () => {
  using efd = new EventFd();
  await assert.rejects(efd.wait({ signal: AbortSignal.timeout(50) }), { name: "TimeoutError" });
  const gone = new AbortController();
  gone.abort(new Error("not needed"));
  await assert.rejects(efd.wait({ signal: gone.signal }), /not needed/);
  later(20, () => efd.signal());
  assert.equal(await efd.wait({ signal: AbortSignal.timeout(5_000) }), 1n);
});

test("close rejects pending waits with EBADF, and the closed EventFd refuses more", async () => {
  const efd = new EventFd();
  const pending = efd.wait();
  efd.close();
  await assert.rejects(pending, { code: "EBADF" });
  assert.throws(() => efd.wait(), { code: "EBADF" });
  assert.throws(() => efd.signal(), { code: "EBADF" });
  efd.close(); // idempotent
});

test("the async iterator yields each count until the EventFd closes", async () => {
  const efd = new EventFd();
  const seen: bigint[] = [];
  const done = (async () => {
    for await (const n of efd) seen.push(n);
  })();
  efd.signal(1n);
  await new Promise((r) => later(30, r as () => void));
  efd.signal(2n);
  await new Promise((r) => later(30, r as () => void));
  efd.close();
  await done;
  assert.deepEqual(seen, [1n, 2n]);
});

test("the shim's handles are tagged: a pin is not a watcher, a watcher is not a pin", () => {
  using efd = new EventFd();
  const shim = native();
  const ram = mmapAnonymous(4096);
  const pin = shim.pin(new Uint8Array(ram), 4096)!;
  assert.throws(() => shim.pollStop(pin as never), TypeError);
  const watcher = shim.pollStart(efd.fd, () => {});
  assert.throws(() => shim.unpin(watcher as never), TypeError);
  shim.pollStop(watcher);
  shim.pollStop(watcher); // once; later calls do nothing
  shim.unpin(pin);
  assert.throws(() => shim.eventfdWrite(efd.fd, -1n as never), TypeError);
  assert.throws(() => shim.eventfdRead(-1), TypeError);
});

test("a process whose waits have all ended exits: the watcher does not hold the loop", () => {
  const script = `import { EventFd } from "#runtime/eventfd.js";
    const efd = new EventFd();
    efd.wait({ signal: AbortSignal.timeout(50) }).catch(() => console.log("aborted"));
    const other = new EventFd();
    setTimeout(() => other.signal(), 20);
    other.wait().then((n) => console.log("woken", n));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
  assert.equal(run.signal, null, "the process had to be killed: a watcher kept the loop alive");
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n").sort(), ["aborted", "woken 1n"]);
});
