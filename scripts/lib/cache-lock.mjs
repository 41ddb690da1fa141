// An exclusive lock on a cache entry, shared by every process on the machine: flock(2) held by a
// child `flock` process for as long as this process lives. The kernel drops the lock when its
// holder dies, however it dies, so there is no stale lock to detect or steal.
import { spawn } from "node:child_process";
import fs from "node:fs";

/**
 * Takes the lock on `file` (created if missing), waiting for other holders; `onWait` is called
 * once if it has to wait. With `onWait` null it does not wait: resolves undefined when held.
 * Resolves with a release function.
 */
export function lockFile(file, onWait = () => {}) {
  fs.closeSync(fs.openSync(file, "a"));
  return new Promise((resolve, reject) => {
    // flock -n fails at once when the lock is held: that is the moment to say we are waiting.
    const attempt = (wait) => {
      const holder = spawn("flock", [...(wait ? [] : ["-n"]), "-x", file, "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
      let locked = false;
      holder.stdout.on("data", (chunk) => {
        if (locked || !chunk.toString().includes("locked")) return;
        locked = true;
        // Not ref'd: the lock must not keep this process alive, and dies with it.
        holder.unref();
        holder.stdout.unref?.();
        holder.stdin.unref?.();
        resolve(() => {
          holder.stdin.end();
        });
      });
      holder.on("error", reject);
      holder.on("exit", (code) => {
        if (locked) return;
        if (!wait && code === 1) {
          if (onWait === null) return resolve(undefined);
          onWait();
          attempt(true);
        } else reject(new Error(`flock ${file} exited ${code}`));
      });
    };
    attempt(false);
  });
}
