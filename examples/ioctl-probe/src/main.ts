// ioctl-probe: calls ioctls any Linux machine has through bindings uapigen generated from this
// machine's own headers at build time (src/gen/), and prints what the kernel answered as JSON.
// c/ioctl-probe.c does the same in C; the two outputs must be identical.
//
//   node dist/main.js [FILE...]   FS_IOC_GETFLAGS on each FILE (default: a new file in the
//                                 temp directory, and /proc/version, whose filesystem has none)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isSystemError } from "@uapigen/runtime";
import { fionread, tiocgwinsz, tiocswinsz } from "./gen/asm-generic/ioctls-ioctls.js";
import { ioctls as ttyIoctls } from "./gen/asm-generic/ioctls.js";
import { fsIocGetflags } from "./gen/linux/fs-ioctls.js";
import { ioctls as fsIoctls } from "./gen/linux/fs.js";
import { kvmGetApiVersion } from "./gen/linux/kvm-ioctls.js";
import { ioctls as kvmIoctls } from "./gen/linux/kvm.js";
import { uffdioApi, userfaultfdIocNew } from "./gen/linux/userfaultfd-ioctls.js";
import { UFFD_API, ioctls as uffdIoctls } from "./gen/linux/userfaultfd.js";

/**
 * One ioctl on one object: its value (null when the call succeeded and its answer is the
 * process's own, such as a new fd), the errno it failed with, or why the object could not be
 * opened. Hex strings for 64-bit masks and request numbers, as the C program prints them.
 */
interface Probe {
  ioctl: string;
  request: string;
  on: string;
  value?: unknown;
  errno?: string;
  unavailable?: string;
}

/** What the window size is set to, then read back: values a fresh pty never has. */
const WINSIZE = { ws_row: 37, ws_col: 101, ws_xpixel: 909, ws_ypixel: 666 };
/** Bytes written into the FIFO, which FIONREAD must then count: more than a byte holds. */
const FIFO_BYTES = 1000;

const hex = (v: number | bigint) => `0x${v.toString(16)}`;

function errnoOf(err: unknown): string {
  if (isSystemError(err)) return err.code;
  throw err;
}

const probe = (ioctl: string, request: number, on: string): Probe => ({ ioctl, request: hex(request), on });

/** The call's value, or the errno it failed with. */
function attempt(p: Probe, call: () => unknown): Probe {
  try {
    return { ...p, value: call() };
  } catch (err) {
    return { ...p, errno: errnoOf(err) };
  }
}

/** Runs the probes of `file` on it, opened; when it cannot be opened, each is unavailable. */
function onOpened(file: string, flags: number, probes: Probe[], run: (fd: number) => Probe[]): Probe[] {
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    const unavailable = `open: ${errnoOf(err)}`;
    return probes.map((p) => ({ ...p, unavailable }));
  }
  try {
    return run(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fileFlags(files: string[]): Probe[] {
  // The header writes _IOR('f', 1, long), but ioctl_getflags() (fs/ioctl.c) stores an unsigned
  // int: the runtime passes the header's 8 zeroed bytes, and the flags are their low half.
  return files.flatMap((file) => {
    const p = probe("FS_IOC_GETFLAGS", fsIoctls.FS_IOC_GETFLAGS.request, file);
    return onOpened(file, fs.constants.O_RDONLY, [p], (fd) => [attempt(p, () => Number(fsIocGetflags(fd)))]);
  });
}

function windowSize(): Probe[] {
  // A new pty's master, which answers for its slave's window size.
  const set = probe("TIOCSWINSZ", ttyIoctls.TIOCSWINSZ.request, "/dev/ptmx");
  const get = probe("TIOCGWINSZ", ttyIoctls.TIOCGWINSZ.request, "/dev/ptmx");
  return onOpened("/dev/ptmx", fs.constants.O_RDWR | fs.constants.O_NOCTTY, [set, get], (fd) => [
    attempt(set, () => {
      tiocswinsz(fd, WINSIZE);
      return null;
    }),
    attempt(get, () => {
      const { ws_row, ws_col, ws_xpixel, ws_ypixel } = tiocgwinsz(fd);
      return { ws_row, ws_col, ws_xpixel, ws_ypixel };
    }),
  ]);
}

function fifoBytes(): Probe[] {
  // A FIFO opened read-write is both ends of a pipe, without a native pipe(2).
  const p = probe("FIONREAD", ttyIoctls.FIONREAD.request, "fifo");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ioctl-probe-"));
  const fifo = path.join(dir, "fifo");
  try {
    if (spawnSync("mkfifo", [fifo]).status !== 0) return [{ ...p, unavailable: "mkfifo failed" }];
    return onOpened(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK, [p], (fd) => {
      let written: number;
      try {
        written = fs.writeSync(fd, Buffer.alloc(FIFO_BYTES, 0x2a));
      } catch (err) {
        return [{ ...p, unavailable: `write: ${errnoOf(err)}` }];
      }
      if (written !== FIFO_BYTES) return [{ ...p, unavailable: "write: short" }];
      return [attempt(p, () => fionread(fd))];
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function kvmVersion(): Probe[] {
  const p = probe("KVM_GET_API_VERSION", kvmIoctls.KVM_GET_API_VERSION.request, "/dev/kvm");
  return onOpened("/dev/kvm", fs.constants.O_RDWR, [p], (fd) => [attempt(p, () => kvmGetApiVersion(fd))]);
}

/** USERFAULTFD_IOC_NEW on /dev/userfaultfd, then the API handshake on the new userfaultfd. */
function userfaultfd(): Probe[] {
  const create = probe("USERFAULTFD_IOC_NEW", uffdIoctls.USERFAULTFD_IOC_NEW.request, "/dev/userfaultfd");
  const handshake = probe("UFFDIO_API", uffdIoctls.UFFDIO_API.request, "userfaultfd");
  return onOpened("/dev/userfaultfd", fs.constants.O_RDWR, [create, handshake], (dev) => {
    let uffd: number | undefined;
    const created = attempt(create, () => {
      uffd = userfaultfdIocNew(dev); // flags 0: the fd number is this process's, not reported
      return null;
    });
    if (uffd === undefined) return [created, { ...handshake, unavailable: `USERFAULTFD_IOC_NEW: ${created.errno}` }];
    const fd = uffd;
    try {
      return [
        created,
        attempt(handshake, () => {
          const { api, features, ioctls } = uffdioApi(fd, { api: UFFD_API, features: 0n });
          return { api: hex(api), features: hex(features), ioctls: hex(ioctls) };
        }),
      ];
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** With no FILE: a new file in the temp directory (removed after), and procfs's /proc/version. */
function withFiles<T>(args: string[], run: (files: string[]) => T): T {
  if (args.length) return run(args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ioctl-probe-"));
  const file = path.join(dir, "file");
  fs.writeFileSync(file, "");
  try {
    return run([file, "/proc/version"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const probes = withFiles(process.argv.slice(2), (files) => [...fileFlags(files), ...windowSize(), ...fifoBytes(), ...kvmVersion(), ...userfaultfd()]);
process.stdout.write(`${JSON.stringify(probes, null, 2)}\n`);
