// Where typed calls send their ioctls: the native shim, or a stand-in kernel for tests; and how
// an error from it is named and explained.
import { assertHostLayouts } from "./arch.js";
import { native, type IoctlArg, type PointerList } from "./native.js";

export interface Transport {
  ioctl(fd: number, request: number, arg: IoctlArg, name: string, pointers?: PointerList): number;
  ioctlAsync(fd: number, request: number, arg: IoctlArg, name: string, pointers?: PointerList): Promise<number>;
}

let injected: Transport | undefined;

/** Replaces the kernel (tests); `undefined` restores the native shim. */
export function useTransport(transport: Transport | undefined): void {
  injected = transport;
}

export function transport(): Transport {
  if (injected) return injected;
  assertHostLayouts("ioctl");
  return native();
}

/** What the extensible-struct protocol's errors mean (the header's "General ioctl format"). */
const EXPLAIN: Record<string, string> = {
  E2BIG: "the kernel does not know members set in this struct (the header is newer than the kernel); leave them zero to run on this kernel",
  EOPNOTSUPP: "the kernel does not support this ioctl, flag or type (it may be older than the header)",
};

/**
 * Names the ioctl in an error from the transport (the shim does not copy names per call),
 * explains E2BIG/EOPNOTSUPP, and attaches the struct as the kernel left it: in/out protocols
 * such as IOVA_RANGES' EMSGSIZE report what they need through it.
 */
export function named(err: unknown, name: string, struct?: unknown): unknown {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === "string") {
    const e = err as Error & { code: string; ioctl?: string; struct?: unknown };
    if (!e.ioctl) {
      e.ioctl = name;
      if (!e.message.endsWith(name)) e.message = `${e.message} ${name}`;
      if (EXPLAIN[e.code]) e.message += `: ${EXPLAIN[e.code]}`;
    }
    if (struct !== undefined) e.struct = struct;
  }
  return err;
}
