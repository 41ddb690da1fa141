// An eventfd the process owns: what vfio signals a device interrupt through (VFIO_DEVICE_SET_IRQS)
// and what KVM-style irqfds read. Waiting is a promise settled from the libuv loop when the fd
// becomes readable (a uv_poll watcher in the shim, started only while someone waits), so a
// process waiting for an interrupt burns no CPU and exits when nothing waits.
import { OwnedFd } from "./fd.js";
import { native, type Watcher } from "./native.js";

export interface WaitOptions {
  /** Rejects the wait with the signal's reason when it aborts (`AbortSignal.timeout(ms)`). */
  readonly signal?: AbortSignal;
}

interface Waiter {
  resolve(value: bigint): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

function closedError(): Error {
  return Object.assign(new Error("EBADF: the EventFd was closed while waiting"), { code: "EBADF", errno: -9 });
}

export class EventFd extends OwnedFd implements AsyncIterable<bigint> {
  #watcher?: Watcher;
  readonly #waiters: Waiter[] = [];

  /**
   * A new eventfd (non-blocking, close-on-exec) with the counter at `initval`. In semaphore mode
   * each read takes 1 from the counter; otherwise a read takes the whole count and resets it.
   */
  constructor(initval = 0, options: { readonly semaphore?: boolean } = {}) {
    super(native().eventfd(initval, options.semaphore === true));
  }

  /** The counter now (reset, or decremented in semaphore mode); 0n if nothing was signalled. */
  read(): bigint {
    return native().eventfdRead(this.fd) ?? 0n;
  }

  /** Adds to the counter, as the kernel does when an interrupt fires. */
  signal(value: bigint = 1n): void {
    native().eventfdWrite(this.fd, value);
  }

  /**
   * Resolves with the counter once it is nonzero (reading it, as read() does). Waiters are served
   * in order, one read each.
   */
  wait(options: WaitOptions = {}): Promise<bigint> {
    const fd = this.fd; // EBADF once closed
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#waiters.length) {
      const now = native().eventfdRead(fd);
      if (now !== undefined) return Promise.resolve(now);
    }
    return new Promise<bigint>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      this.#watcher ??= native().pollStart(fd, (status) => this.#readable(status));
      this.#waiters.push(waiter);
      if (signal) {
        waiter.onAbort = () => {
          this.#drop(waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
    });
  }

  /** Each nonzero count as it comes, until the EventFd is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<bigint, void, undefined> {
    while (!this.closed) {
      try {
        yield await this.wait();
      } catch (err) {
        if (this.closed) return;
        throw err;
      }
    }
  }

  /** Stops watching and rejects waiters (EBADF) before the fd is closed: libuv must not poll a closed fd. */
  override close(): void {
    if (this.closed) return;
    this.#unwatch();
    const waiters = this.#waiters.splice(0);
    super.close();
    for (const w of waiters) this.#settled(w).reject(closedError());
  }

  #readable(status: number): void {
    if (status < 0) {
      // The loop reports an error on the fd: every waiter learns it, and nothing polls it any more.
      const err = Object.assign(new Error(`the eventfd's watcher failed (libuv status ${status})`), { code: "ERR_UAPIGEN_POLL", errno: status });
      this.#unwatch();
      for (const w of this.#waiters.splice(0)) this.#settled(w).reject(err);
      return;
    }
    while (this.#waiters.length && !this.closed) {
      const value = native().eventfdRead(this.fd);
      if (value === undefined) break; // read by someone else (read()) before the loop got here
      this.#settled(this.#waiters.shift()!).resolve(value);
    }
    if (!this.#waiters.length) this.#unwatch();
  }

  /** The waiter, no longer listening for its abort signal. */
  #settled(w: Waiter): Waiter {
    if (w.onAbort) w.signal!.removeEventListener("abort", w.onAbort);
    return w;
  }

  #drop(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
    if (!this.#waiters.length) this.#unwatch();
  }

  #unwatch(): void {
    if (!this.#watcher) return;
    native().pollStop(this.#watcher);
    this.#watcher = undefined;
  }
}
