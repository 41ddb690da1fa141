// The native shim (runtime/native/src/shim.c), loaded with node-gyp-build so prebuilt binaries
// can be dropped into runtime/native/prebuilds later.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** An ioctl argument: bytes passed by address, or an integer passed by value. */
export type IoctlArg = ArrayBufferView | number | bigint | undefined;

export interface NativeShim {
  /** ioctl(2); throws an Error shaped like Node's system errors (code, errno, syscall, ioctl). */
  ioctl(fd: number, request: number | bigint, arg?: IoctlArg, name?: string): number;
  /** ioctl(2) on the libuv thread pool; `arg` stays referenced until the call completes. */
  ioctlAsync(fd: number, request: number | bigint, arg?: IoctlArg, name?: string): Promise<number>;
  /** Where a view's bytes are. Runtime-internal: user pointers are filled through it. */
  address(view: ArrayBufferView): bigint;
  /** mmap(2) as an ArrayBuffer, unmapped by its finalizer or by munmap(). */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number): ArrayBuffer;
  /** munmap(2) now; the ArrayBuffer is detached. */
  munmap(buffer: ArrayBuffer): void;
}

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
    // Compiled to dist/runtime/; the addon lives beside the sources in runtime/native.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const candidates = [path.join(here, "native"), path.join(here, "..", "..", "runtime", "native")];
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

/** Anonymous private memory (guest RAM for IOMMU_IOAS_MAP), unmapped when collected or by munmap(). */
export function mmapAnonymous(length: number): ArrayBuffer {
  return native().mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
