// The native shim against ioctls any Linux has: pipes, ptys, sockets; errors shaped like Node's.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import { test } from "node:test";
import { MAP_ANONYMOUS, MAP_PRIVATE, native, PROT_READ, PROT_WRITE } from "#runtime/native.js";
import { fifoPipe } from "../helpers.js";

const FIONREAD = 0x541b;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const SIOCGIFCONF = 0x8912;

/** Two plain fds of a pipe (a FIFO: node has no pipe(2), and mkfifo is everywhere). */
const pipe = fifoPipe;

test("a value-style ioctl: FIONREAD counts the bytes waiting in a pipe", () => {
  const [r, w] = pipe();
  fs.writeSync(w, "hello, ioctl");
  const count = new Int32Array(1);
  assert.equal(native().ioctl(r, FIONREAD, count), 0);
  assert.equal(count[0], 12);
  fs.closeSync(r);
  fs.closeSync(w);
});

test("an in/out struct ioctl: TIOCSWINSZ then TIOCGWINSZ on a pty", () => {
  const fd = fs.openSync("/dev/ptmx", "r+");
  const set = new DataView(new ArrayBuffer(8));
  set.setUint16(0, 42, true); // ws_row
  set.setUint16(2, 132, true); // ws_col
  native().ioctl(fd, TIOCSWINSZ, set);
  const get = new DataView(new ArrayBuffer(8));
  native().ioctl(fd, TIOCGWINSZ, get);
  assert.deepEqual([get.getUint16(0, true), get.getUint16(2, true)], [42, 132]);
  fs.closeSync(fd);
});

test("a struct carrying a user pointer the kernel writes through: SIOCGIFCONF lists lo", async () => {
  const sock = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  const fd = (sock as unknown as { _handle: { fd: number } })._handle.fd;
  const IFREQ = 40;
  const buf = new Uint8Array(IFREQ * 32);
  const ifc = new DataView(new ArrayBuffer(16)); // struct ifconf { int ifc_len; char *ifc_buf; }
  ifc.setInt32(0, buf.byteLength, true);
  // ifc_buf is a user pointer: the shim writes the buffer's address at offset 8.
  native().ioctl(fd, SIOCGIFCONF, ifc, "SIOCGIFCONF", [8, buf, buf.byteLength]);
  const len = ifc.getInt32(0, true);
  const names: string[] = [];
  for (let off = 0; off < len; off += IFREQ) names.push(Buffer.from(buf.subarray(off, off + 16)).toString().replace(/\0.*$/s, ""));
  assert.ok(names.includes("lo"), names.join(","));
  sock.close();
});

test("errors look like Node's: ENOTTY for an unknown request, EBADF for a bad fd", () => {
  const [r, w] = pipe();
  assert.throws(() => native().ioctl(r, 0x12345678, new Uint8Array(8), "BOGUS_IOCTL"), (err: NodeJS.ErrnoException & { ioctl?: string }) => {
    assert.equal(err.code, "ENOTTY");
    assert.equal(err.errno, -25);
    assert.equal(err.syscall, "ioctl");
    assert.equal(err.ioctl, "BOGUS_IOCTL");
    assert.equal(err.message, "ENOTTY: Inappropriate ioctl for device, ioctl BOGUS_IOCTL");
    return true;
  });
  assert.throws(() => native().ioctl(987654, FIONREAD, new Int32Array(1)), { code: "EBADF", errno: -9, syscall: "ioctl" });
  assert.throws(() => native().ioctl(r, FIONREAD, "nope" as never), { name: "TypeError" });
  fs.closeSync(r);
  fs.closeSync(w);
});

test("async ioctls keep their buffers alive while the garbage collector runs", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "npm test runs node with --expose-gc");
  const [r, w] = pipe();
  fs.writeSync(w, "x".repeat(100));
  const calls: Promise<number>[] = [];
  const results: Int32Array[] = [];
  for (let i = 0; i < 200; i++) {
    const out = new Int32Array(1);
    results.push(out);
    // The only reference to each `extra` buffer is the pending call's.
    calls.push(native().ioctlAsync(r, FIONREAD, new Int32Array(1), "FIONREAD"));
    calls.push(native().ioctlAsync(r, FIONREAD, out));
    gc();
  }
  gc();
  await Promise.all(calls);
  for (const out of results) assert.equal(out[0], 100);
  await assert.rejects(native().ioctlAsync(987654, FIONREAD, new Int32Array(1), "FIONREAD"), { code: "EBADF", ioctl: "FIONREAD" });
  fs.closeSync(r);
  fs.closeSync(w);
});

test("mmap gives anonymous memory as an ArrayBuffer; munmap detaches it", () => {
  const ab = native().mmap(1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert.equal(ab.byteLength, 1 << 16);
  const bytes = new Uint8Array(ab);
  bytes[100] = 7;
  assert.equal(bytes[100], 7);
  native().munmap(ab);
  assert.equal(ab.byteLength, 0);
  assert.throws(() => native().munmap(new ArrayBuffer(8)), { name: "TypeError" });
  assert.throws(() => native().mmap(4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, 987654, 0), { code: "EBADF", syscall: "mmap" });
  // An ArrayBuffer is always writable: a read-only mapping only through the Unsafe path.
  assert.throws(() => native().mmap(4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), { name: "TypeError", message: /mmapUnsafe/ });
});
