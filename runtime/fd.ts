/// <reference lib="esnext.disposable" preserve="true" />
// A file descriptor an object may own. After close() the object is dead: its fd getter throws
// EBADF rather than hand out a number the process may have reused for another file. Closing is
// refused (EBUSY) while a call the object started is still in flight. An object that owns its fd
// also owns the kernel mappings made through it (kernel-mappings.ts).
import fs from "node:fs";
import { checkFd } from "./args.js";

/** An error shaped like the shim's system errors, raised by the runtime before any syscall. */
function fdError(code: "EBADF" | "EBUSY", message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code, errno: code === "EBADF" ? -9 : -16 });
}

export class OwnedFd implements Disposable {
  #fd: number;
  #closed = false;
  #inFlight = 0;

  constructor(
    fd: number,
    private readonly owned = true,
  ) {
    this.#fd = checkFd(fd, new.target.name);
  }

  /** The descriptor; EBADF once closed. */
  get fd(): number {
    if (this.#closed) throw fdError("EBADF", `${this.constructor.name} is closed`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls of this object's own still in flight. */
  protected get inFlightCalls(): number {
    return this.#inFlight;
  }

  /** The owner of mappings made through this fd: only an object that owns its fd can vouch for it. */
  protected get mappingOwner(): object | undefined {
    return this.owned ? this : undefined;
  }

  /** Runs an asynchronous call on this fd; close() is refused until it settles. */
  protected async inFlight<T>(call: (fd: number) => Promise<T>): Promise<T> {
    const fd = this.fd;
    this.#inFlight++;
    try {
      return await call(fd);
    } finally {
      this.#inFlight--;
    }
  }

  close(): void {
    if (this.#closed) return;
    if (this.#inFlight) throw fdError("EBUSY", `${this.constructor.name} has ${this.#inFlight} call(s) in flight; close it when they settle`);
    this.#closed = true;
    if (this.owned) fs.closeSync(this.#fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
