// A pool of worker processes that each take the next item when done with one, so a few large
// headers do not leave one core idle while the other works through its share.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));

/**
 * Runs `stage` (a handler of worker.mjs) on every item in `size` workers with `env`; resolves
 * with the results in item order. A worker that dies rejects the run (a crash).
 */
export function runPool(stage, items, { size, env = process.env, context }) {
  const results = new Array(items.length);
  let next = 0;
  return new Promise((resolve, reject) => {
    let live = 0;
    const start = () => {
      const child = fork(WORKER, [], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      live++;
      let current = -1;
      const feed = () => {
        if (next >= items.length) return child.disconnect();
        current = next++;
        child.send({ stage, item: items[current], context });
      };
      child.on("message", (result) => {
        results[current] = result;
        feed();
      });
      child.on("exit", (code, signal) => {
        live--;
        if (code !== 0) reject(new Error(`a ${stage} worker died (${signal ?? `exit ${code}`}) on ${JSON.stringify(items[current])}`));
        else if (!live) resolve(results);
      });
      feed();
    };
    for (let i = 0; i < Math.min(size, items.length); i++) start();
    if (!items.length) resolve(results);
  });
}
