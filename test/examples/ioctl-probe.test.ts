// The example consumer (examples/ioctl-probe) as its user builds it: bindings generated from this
// machine's /usr/include by its build step, then the ioctls any Linux machine has, called through
// them. A C program makes the same calls on the same kinds of objects through the same headers;
// both must print the same request numbers, values and errno codes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ROOT } from "../helpers.js";

const EXAMPLE = path.join(ROOT, "examples", "ioctl-probe");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-ioctl-probe-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Probe {
  ioctl: string;
  request: string;
  on: string;
  value?: unknown;
  errno?: string;
  unavailable?: string;
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test("the example's Node tool and the C program get the same answers from the kernel", (t) => {
  // Its build step: uapigen generate on /usr/include, then tsc.
  run("npm", ["run", "build"], EXAMPLE);
  run("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", path.join(scratch, "ioctl-probe"), path.join(EXAMPLE, "c", "ioctl-probe.c")], scratch);

  // FS_IOC_GETFLAGS on a file of the checkout's filesystem and one of the temp directory's (either
  // may lack flags: tmpfs before 6.0, overlay over one), on procfs (none), and on nothing.
  const tmpFile = path.join(scratch, "file");
  fs.writeFileSync(tmpFile, "");
  const files = [path.join(EXAMPLE, "package.json"), tmpFile, "/proc/version", path.join(scratch, "missing")];
  const fromNode = JSON.parse(run(process.execPath, [path.join(EXAMPLE, "dist", "main.js"), ...files], scratch)) as Probe[];
  const fromC = JSON.parse(run(path.join(scratch, "ioctl-probe"), files, scratch)) as Probe[];
  t.diagnostic(`C and Node: ${JSON.stringify(fromC)}`);
  assert.deepEqual(fromNode, fromC);

  // Facts neither program may get wrong the same way.
  const names = fromNode.map((p) => `${p.ioctl} ${p.on}`);
  assert.deepEqual(names, [
    ...files.map((f) => `FS_IOC_GETFLAGS ${f}`),
    "TIOCSWINSZ /dev/ptmx",
    "TIOCGWINSZ /dev/ptmx",
    "FIONREAD fifo",
    "KVM_GET_API_VERSION /dev/kvm",
    "USERFAULTFD_IOC_NEW /dev/userfaultfd",
    "UFFDIO_API userfaultfd",
  ]);
  const probe = (ioctl: string, on?: string) => fromNode.find((p) => p.ioctl === ioctl && (on === undefined || p.on === on))!;
  assert.deepEqual(probe("FS_IOC_GETFLAGS", "/proc/version"), { ioctl: "FS_IOC_GETFLAGS", request: probe("FS_IOC_GETFLAGS").request, on: "/proc/version", errno: "ENOTTY" });
  assert.equal(probe("FS_IOC_GETFLAGS", files[3]).unavailable, "open: ENOENT");
  // Every Linux machine has ptys and FIFOs.
  assert.equal(probe("TIOCSWINSZ").value, null);
  assert.deepEqual(probe("TIOCGWINSZ").value, { ws_row: 37, ws_col: 101, ws_xpixel: 909, ws_ypixel: 666 });
  assert.equal(probe("FIONREAD").value, 1000);
  // tty requests are asm-generic's plain numbers except on alpha, mips, powerpc and sparc.
  if (process.arch === "x64" || process.arch === "arm64" || process.arch === "riscv64" || process.arch === "s390x") {
    assert.deepEqual([probe("TIOCSWINSZ").request, probe("TIOCGWINSZ").request, probe("FIONREAD").request], ["0x5414", "0x5413", "0x541b"]);
  }
  const kvm = probe("KVM_GET_API_VERSION");
  if (!kvm.unavailable) assert.deepEqual([kvm.request, kvm.value], ["0xae00", 12]);
  const api = probe("UFFDIO_API");
  if (!api.unavailable && !api.errno) assert.equal((api.value as { api: string }).api, "0xaa");
});
