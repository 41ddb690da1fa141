// A fake fd layer for the runtime's tests: records the bytes of every ioctl and lets a test
// play the kernel's part.
import type { Transport } from "#runtime/call.js";
import type { IoctlArg, PointerList } from "#runtime/native.js";

export interface Seen {
  fd: number;
  request: number;
  name: string;
  bytes: Uint8Array;
}

/** Records every call; `reply` may write the kernel's answer into the argument. */
export class FakeKernel implements Transport {
  /** The buffer behind a fake address (the kernel's copy_to_user target). */
  viewAt(address: bigint): ArrayBufferView | undefined {
    for (const [view, a] of this.addresses) if (a === address) return view;
    return undefined;
  }

  readonly seen: Seen[] = [];
  readonly addresses = new Map<ArrayBufferView, bigint>();
  private next = 0x7f0000001000n;
  reply?: (seen: Seen, arg: DataView) => number;

  address(view: ArrayBufferView): bigint {
    let a = this.addresses.get(view);
    if (a === undefined) {
      a = this.next;
      this.next += 0x100000n;
      this.addresses.set(view, a);
    }
    return a;
  }

  /** The pointer lists of the calls, as the runtime passed them to the shim. */
  readonly pointerLists: (PointerList | undefined)[] = [];

  ioctl(fd: number, request: number, arg: IoctlArg, name: string, pointers?: PointerList): number {
    const view = arg as DataView;
    this.pointerLists.push(pointers);
    // What the shim does: each pointer's address goes into the struct (fake addresses here).
    for (let i = 0; pointers && i < pointers.length; i += 3) {
      view.setBigUint64(pointers[i] as number, this.address(pointers[i + 1] as ArrayBufferView), true);
    }
    const seen = { fd, request, name, bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice() };
    this.seen.push(seen);
    return this.reply ? this.reply(seen, view) : 0;
  }

  async ioctlAsync(fd: number, request: number, arg: IoctlArg, name: string, pointers?: PointerList): Promise<number> {
    return this.ioctl(fd, request, arg, name, pointers);
  }
}


/** An error as the shim throws it. */
export function systemError(code: string, errno: number, syscall = "ioctl"): Error {
  return Object.assign(new Error(`${code}: fake kernel, ${syscall}`), { code, errno: -errno, syscall });
}
