// The native shim (native/src/shim.c), loaded with node-gyp-build: a prebuilt binary from
// native/prebuilds/<platform>-<arch>/ where one fits, else the one built from source.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkFd } from "./args.js";

/** An ioctl argument: bytes passed by address, or an integer passed by value. */
export type IoctlArg = ArrayBufferView | number | bigint | undefined;

/**
 * User pointers of a struct argument, flattened: `[offset, view, bytes, ...]`. The shim writes
 * each view's address at `offset` in the struct right before the syscall, after checking that
 * the view still holds `bytes` bytes.
 */
export type PointerList = (number | ArrayBufferView)[];

/** A pin on runtime mmap() memory (opaque). */
export type Pin = { readonly __pin: unique symbol };

export interface NativeShim {
  /** ioctl(2); throws an Error shaped like Node's system errors (code, errno, syscall, ioctl). */
  ioctl(fd: number, request: number | bigint, arg?: IoctlArg, name?: string, pointers?: PointerList): number;
  /**
   * ioctl(2) on the libuv thread pool. The struct and the pointed-to bytes are copied into
   * runtime memory for the call (or pinned, for runtime mmap() memory), the fd is duplicated.
   */
  ioctlAsync(fd: number, request: number | bigint, arg?: IoctlArg, name?: string, pointers?: PointerList): Promise<number>;
  /** mmap(2) as an ArrayBuffer, unmapped by its finalizer or by munmap(); read-write unless `unsafe`. */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number, unsafe?: boolean): ArrayBuffer;
  /** munmap(2) now; the ArrayBuffer is detached. EBUSY while pinned. */
  munmap(buffer: ArrayBuffer): void;
  /** Pins the runtime mmap() memory holding `bytes` bytes of `view`; undefined if it is not such memory. */
  pin(view: ArrayBufferView, bytes: number): Pin | undefined;
  /** Releases a pin (once). */
  unpin(pin: Pin): void;
  /** How many pins hold a runtime mapping. */
  pins(buffer: ArrayBuffer): number;
  /** eventfd(2), always EFD_NONBLOCK | EFD_CLOEXEC. */
  eventfd(initval: number, semaphore?: boolean): number;
  /** read(2) of an eventfd's counter; undefined when it is zero. */
  eventfdRead(fd: number): bigint | undefined;
  /** write(2) to an eventfd's counter. */
  eventfdWrite(fd: number, value: bigint): void;
  /** Watches fd on the libuv loop: `callback(status)` whenever it is readable, until pollStop. */
  pollStart(fd: number, callback: (status: number) => void): Watcher;
  /** Stops a watcher (once); the fd may be closed right after. */
  pollStop(watcher: Watcher): void;
}

/** A readiness watcher on the libuv loop (opaque). */
export type Watcher = { readonly __watcher: unique symbol };

/** A system error as the shim throws it. */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  ioctl?: string;
}

export function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as SystemError).code === "string" && typeof (err as SystemError).errno === "number";
}

let shim: NativeShim | undefined;

export function native(): NativeShim {
  if (!shim) {
    const require = createRequire(import.meta.url);
    const load = require("node-gyp-build") as (dir: string) => NativeShim;
    // Compiled to dist/; the addon (built, or prebuilt per platform) is in the package's native/.
    const packaged = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "native");
    // UAPIGEN_NATIVE_DIR: another build of the same shim (npm run test:asan loads an ASan one).
    const candidates = [process.env.UAPIGEN_NATIVE_DIR, packaged].filter((d): d is string => !!d);
    let lastError: unknown;
    for (const dir of candidates) {
      try {
        shim = load(dir);
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (!shim) throw new Error(`uapigen: the native shim is not built (run \`npm run build:native\`): ${(lastError as Error).message}`);
  }
  return shim;
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;

/**
 * Anonymous private memory (guest RAM for IOMMU_IOAS_MAP), unmapped when collected or by
 * munmap(), but never while a kernel mapping or a call in flight uses it.
 */
export function mmapAnonymous(length: number): ArrayBuffer {
  return native().mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/** munmap(2) of runtime memory now; EBUSY while the kernel maps it or a call in flight uses it. */
export function munmap(buffer: ArrayBuffer): void {
  native().munmap(buffer);
}

/**
 * A shared read-write mapping of `length` bytes of a file or device at `offset` (a vfio region,
 * a memfd) as runtime memory: unmapped when collected or by munmap(), never while pinned. An
 * access to a page the file no longer backs (a truncated file, a device region whose memory
 * access is disabled or reset) raises SIGBUS, as it would in C.
 */
export function mmapShared(fd: number, offset: number | bigint, length: number): ArrayBuffer {
  const at = typeof offset === "bigint" && offset <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(offset) : offset;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0) throw new RangeError(`mmapShared: offset must be a non-negative safe integer, not ${String(offset)}`);
  return native().mmap(length, PROT_READ | PROT_WRITE, MAP_SHARED, checkFd(fd, "mmapShared"), at);
}

/**
 * UNSAFE: mmap(2) with any protection. A write through the ArrayBuffer to a page mapped
 * without PROT_WRITE kills the process.
 */
export function mmapUnsafe(length: number, prot: number, flags: number, fd: number, offset: number): ArrayBuffer {
  return native().mmap(length, prot, flags, fd, offset, true);
}
