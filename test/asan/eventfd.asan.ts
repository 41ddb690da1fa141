// The shim's eventfd watchers under AddressSanitizer (`npm run test:asan`): a watcher is freed by
// libuv's close callback after pollStop, its JS handle by its finalizer, in either order, and a
// callback that stops its own watcher must not touch it afterwards. Random sequences of waits,
// signals, aborts and closes, with collections in between, end in an ASan report if any of that
// reads freed memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EventFd } from "#runtime/eventfd.js";
import { native } from "#runtime/native.js";

const gc = (globalThis as { gc?: () => void }).gc!;
assert.ok(gc, "run with --expose-gc");
const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a watcher stopped from its own callback, then its handle collected", async () => {
  for (let i = 0; i < 50; i++) {
    const efd = new EventFd();
    let handle: ReturnType<ReturnType<typeof native>["pollStart"]> | undefined;
    const fired = new Promise<void>((resolve) => {
      handle = native().pollStart(efd.fd, () => {
        native().pollStop(handle!);
        native().pollStop(handle!); // a second stop does nothing
        resolve();
      });
    });
    efd.signal();
    await fired;
    handle = undefined;
    await tick(); // libuv's close callback frees the watcher
    gc();
    efd.close();
  }
});

test("a handle collected while its watcher still runs, stopped through EventFd.close", async () => {
  for (let i = 0; i < 50; i++) {
    const efd = new EventFd();
    const pending = efd.wait();
    gc();
    efd.close();
    await assert.rejects(pending, { code: "EBADF" });
    await tick();
    gc();
  }
});

test("random waits, signals, aborts and closes", async () => {
  type Step = { op: "wait" } | { op: "abort" } | { op: "signal"; n: number } | { op: "gc" } | { op: "tick" };
  const step = fc.oneof(
    fc.constant<Step>({ op: "wait" }),
    fc.constant<Step>({ op: "abort" }),
    fc.record({ op: fc.constant("signal" as const), n: fc.integer({ min: 1, max: 3 }) }),
    fc.constant<Step>({ op: "gc" }),
    fc.constant<Step>({ op: "tick" }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 30 }), fc.boolean(), async (steps, semaphore) => {
      const efd = new EventFd(0, { semaphore });
      const controllers: AbortController[] = [];
      const settled: Promise<unknown>[] = [];
      for (const s of steps) {
        if (s.op === "wait") {
          const c = new AbortController();
          controllers.push(c);
          settled.push(efd.wait({ signal: c.signal }).catch(() => undefined));
        } else if (s.op === "abort") controllers.shift()?.abort();
        else if (s.op === "signal") efd.signal(BigInt(s.n));
        else if (s.op === "gc") gc();
        else await tick();
      }
      efd.close();
      await Promise.all(settled);
      await tick();
    }),
    { numRuns: 100 },
  );
});
