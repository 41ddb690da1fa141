// A file descriptor an object may own: closed once by close() or dispose when owned.
import fs from "node:fs";

export class OwnedFd implements Disposable {
  private closed = false;

  constructor(
    readonly fd: number,
    private readonly owned = true,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) fs.closeSync(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
