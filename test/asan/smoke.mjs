// Self-test of the fake kernel (test/asan/build/libfakekernel.so). Run:
//   test/asan/build.sh
//   ASAN_OPTIONS=detect_leaks=0 \
//   LD_PRELOAD="$(gcc -print-file-name=libasan.so) $PWD/test/asan/build/libfakekernel.so" \
//   node test/asan/smoke.mjs
// (a) correct calls succeed and fill the buffers as the 7.3 handlers would;
// (b) in child processes, calls that let the "kernel" touch memory outside a live buffer end in
//     an AddressSanitizer report: a GET_REGION_INFO whose argsz (1024) exceeds its 32-byte
//     buffer, a DMA into a mapped buffer that was collected, and a scalar passed where
//     VFIO_GROUP_SET_CONTAINER expects a pointer.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { native } from "#runtime/native.js";

const here = fileURLToPath(import.meta.url);
const _IO = (type, nr) => (type.charCodeAt(0) << 8) | nr;
const VFIO = (n) => _IO(";", 100 + n);
const IOMMU = (n) => _IO(";", n);
const R = {
  VFIO_GROUP_SET_CONTAINER: VFIO(4),
  VFIO_DEVICE_GET_INFO: VFIO(7),
  VFIO_DEVICE_GET_REGION_INFO: VFIO(8),
  VFIO_DEVICE_BIND_IOMMUFD: VFIO(18),
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: VFIO(19),
  IOMMU_IOAS_ALLOC: IOMMU(0x81),
  IOMMU_IOAS_IOVA_RANGES: IOMMU(0x84),
  IOMMU_IOAS_MAP: IOMMU(0x85),
  IOMMU_IOAS_UNMAP: IOMMU(0x86),
  IOMMU_GET_HW_INFO: IOMMU(0x8a),
  UAPIGEN_FAKE_DMA: _IO("Z", 0),
  UAPIGEN_FAKE_ADDRESS: _IO("Z", 1),
  UAPIGEN_FAKE_CHECK: _IO("Z", 2),
};
// Only native().ioctl(fd, request, view) is used: it passes the view's address to ioctl().
const sys = native();
const ioctl = (fd, req, arg) => sys.ioctl(fd, req, arg);
let addressFd = -1;
/** A view's address, from the fake-only UAPIGEN_FAKE_ADDRESS (the shim keeps addresses private). */
function addr(view) {
  const head = new DataView(view.buffer, view.byteOffset, 8);
  const saved = head.getBigUint64(0, true);
  ioctl(addressFd, R.UAPIGEN_FAKE_ADDRESS, head);
  const a = head.getBigUint64(0, true);
  head.setBigUint64(0, saved, true);
  return a;
}

function check(cond, what) {
  if (!cond) throw new Error(`smoke: ${what}`);
  console.log(`ok - ${what}`);
}
function errno(fn) {
  try {
    fn();
    return "no error";
  } catch (e) {
    return e.code;
  }
}

// The fake device files live in one temporary directory, removed by the parent at exit.
const root = process.env.UAPIGEN_SMOKE_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-asan-smoke-"));
if (!process.env.UAPIGEN_SMOKE_DIR) process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));

function fakeFiles() {
  const dir = fs.mkdtempSync(path.join(root, "run-"));
  const open = (name) => fs.openSync(path.join(dir, name), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  return { dir, open };
}

/** An iommufd with one IOAS and a cdev vfio device bound to it and attached to the IOAS. */
function setup() {
  const { open } = fakeFiles();
  const iommufd = open("uapigen-fake-iommufd");
  addressFd = iommufd;
  const device = open("uapigen-fake-vfio-device-0000:01:00.0");
  const alloc = new DataView(new ArrayBuffer(12));
  alloc.setUint32(0, 12, true);
  ioctl(iommufd, R.IOMMU_IOAS_ALLOC, alloc);
  const ioas = alloc.getUint32(8, true);
  const bind = new DataView(new ArrayBuffer(24));
  bind.setUint32(0, 24, true);
  bind.setInt32(8, iommufd, true);
  ioctl(device, R.VFIO_DEVICE_BIND_IOMMUFD, bind);
  const devid = bind.getUint32(12, true);
  const attach = new DataView(new ArrayBuffer(16));
  attach.setUint32(0, 16, true);
  attach.setUint32(8, ioas, true);
  ioctl(device, R.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
  return { open, iommufd, device, ioas, devid, hwpt: attach.getUint32(8, true) };
}

function mapBuffer(iommufd, ioas, view) {
  const map = new DataView(new ArrayBuffer(40));
  map.setUint32(0, 40, true);
  map.setUint32(4, 0b110, true); // WRITEABLE | READABLE
  map.setUint32(8, ioas, true);
  map.setBigUint64(16, addr(view), true);
  map.setBigUint64(24, BigInt(view.byteLength), true);
  ioctl(iommufd, R.IOMMU_IOAS_MAP, map);
  return map.getBigUint64(32, true);
}

async function main() {
  const { iommufd, device, ioas, devid, hwpt } = setup();
  check(ioas === 1 && devid === 2 && hwpt === 3, `IOAS_ALLOC/BIND/ATTACH: ioas ${ioas}, devid ${devid}, auto hwpt ${hwpt}`);

  // GET_REGION_INFO, room for the 48-byte sparse-mmap chain: caps at +32, cap_offset 32.
  const full = new DataView(new ArrayBuffer(80));
  full.setUint32(0, 80, true);
  ioctl(device, R.VFIO_DEVICE_GET_REGION_INFO, full);
  check(full.getUint32(4, true) === 0xf && full.getUint32(12, true) === 32 && full.getBigUint64(16, true) === 0x10000n,
    "GET_REGION_INFO(argsz 80): flags READ|WRITE|MMAP|CAPS, cap_offset 32, size 64 KiB");
  check(full.getUint16(32, true) === 1 && full.getUint32(40, true) === 2 && full.getBigUint64(72, true) === 0xd000n,
    "GET_REGION_INFO(argsz 80): sparse-mmap capability with 2 areas at +32");
  // Too small for the chain: argsz reports what is needed, cap_offset 0, nothing past 32 bytes.
  const small = new DataView(new ArrayBuffer(32));
  small.setUint32(0, 32, true);
  ioctl(device, R.VFIO_DEVICE_GET_REGION_INFO, small);
  check(small.getUint32(0, true) === 80 && small.getUint32(12, true) === 0, "GET_REGION_INFO(argsz 32): argsz 80, cap_offset 0");

  const info = new DataView(new ArrayBuffer(24));
  info.setUint32(0, 24, true);
  ioctl(device, R.VFIO_DEVICE_GET_INFO, info);
  check(info.getUint32(0, true) === 40 && info.getUint32(8, true) === 9 && info.getUint32(12, true) === 5,
    "GET_INFO(argsz 24): 9 regions, 5 irqs, argsz 40 for the AtomicOps capability");

  // IOVA_RANGES: EMSGSIZE and num_iovas 2 without room, then the 2 ranges.
  const ranges = new DataView(new ArrayBuffer(32));
  ranges.setUint32(0, 32, true);
  ranges.setUint32(4, ioas, true);
  check(errno(() => ioctl(iommufd, R.IOMMU_IOAS_IOVA_RANGES, ranges)) === "EMSGSIZE" && ranges.getUint32(8, true) === 2,
    "IOAS_IOVA_RANGES(num_iovas 0): EMSGSIZE, num_iovas 2");
  const out = new BigUint64Array(4);
  ranges.setBigUint64(16, addr(out), true);
  ioctl(iommufd, R.IOMMU_IOAS_IOVA_RANGES, ranges);
  check(out[1] === 0xfedfffffn && out[2] === 0xfef00000n && ranges.getBigUint64(24, true) === 4096n,
    "IOAS_IOVA_RANGES(num_iovas 2): [0, 0xfedfffff] [0xfef00000, ~0], alignment 4096");

  // GET_HW_INFO: 40 bytes of SMMUv3 data, the rest of the user's 64 cleared, data_len 40.
  const data = new Uint8Array(64).fill(0xee);
  const hw = new DataView(new ArrayBuffer(40));
  hw.setUint32(0, 40, true);
  hw.setUint32(8, devid, true);
  hw.setUint32(12, 64, true);
  hw.setBigUint64(16, addr(data), true);
  ioctl(iommufd, R.IOMMU_GET_HW_INFO, hw);
  check(hw.getUint32(12, true) === 40 && hw.getUint32(24, true) === 2 && data[8] === 0 && data[11] === 0x1d &&
    data.subarray(40).every((b) => b === 0), "GET_HW_INFO(data_len 64): data_len 40, type ARM_SMMUV3, tail cleared");

  // A heap buffer is not page-aligned: the attached IOAS (alignment 4096) refuses it, a second
  // IOAS without a domain (alignment 1) maps it; the fake DMA then writes into every page.
  const heapBuf = new Uint8Array(10000);
  check(errno(() => mapBuffer(iommufd, ioas, heapBuf)) === "EINVAL", "IOAS_MAP of an unaligned buffer into the attached IOAS: EINVAL");
  const alloc2 = new DataView(new ArrayBuffer(12));
  alloc2.setUint32(0, 12, true);
  ioctl(iommufd, R.IOMMU_IOAS_ALLOC, alloc2);
  const ioas2 = alloc2.getUint32(8, true);
  const iova = mapBuffer(iommufd, ioas2, heapBuf);
  const base = Number(addr(heapBuf) % 4096n), page2 = 4096 - base;
  check(ioctl(iommufd, R.UAPIGEN_FAKE_DMA, 0) === 1 && heapBuf[0] === 0xda && heapBuf[page2] === 0xda &&
    heapBuf[page2 + 4096] === 0xda && heapBuf[9999] === 0xda && heapBuf[1] === 0,
    `IOAS_MAP into IOAS ${ioas2} at iova 0x${iova.toString(16)}; UAPIGEN_FAKE_DMA wrote the first byte of every page and the last byte`);
  const unmap = new DataView(new ArrayBuffer(24));
  unmap.setUint32(0, 24, true);
  unmap.setUint32(4, ioas2, true);
  unmap.setBigUint64(8, 0n, true);
  unmap.setBigUint64(16, 0xffffffffffffffffn, true);
  ioctl(iommufd, R.IOMMU_IOAS_UNMAP, unmap);
  check(unmap.getBigUint64(16, true) === 10000n && ioctl(iommufd, R.UAPIGEN_FAKE_DMA, 0) === 0,
    "IOAS_UNMAP(all): 10000 bytes unmapped, no DMA afterwards");

  // An asynchronous call runs on the libuv pool; the fake waits 100 ms before touching memory.
  if (sys.ioctlAsync) {
    const again = new DataView(new ArrayBuffer(12));
    again.setUint32(0, 12, true);
    const t0 = Date.now();
    await sys.ioctlAsync(iommufd, R.IOMMU_IOAS_ALLOC, again);
    check(again.getUint32(8, true) === ioas2 + 1 && Date.now() - t0 >= 100, `async IOAS_ALLOC: id ${again.getUint32(8, true)} after ${Date.now() - t0} ms`);
  }

  // (b) the crashes, each in its own process
  for (const [mode, want] of [
    ["overflow", /ERROR: AddressSanitizer: heap-buffer-overflow.*\n(.|\n)*WRITE of size 48/],
    ["use-after-free", /ERROR: AddressSanitizer: heap-use-after-free/],
    ["scalar", /ERROR: AddressSanitizer: SEGV on unknown address 0x0*[0-9a-f]{1,2} /],
  ]) {
    // Node's own SIGSEGV handler (the wasm trap handler) hides ASan's SEGV report unless ASan
    // keeps the handler (allow_user_segv_handler=0) or node does not install it.
    const env = { ...process.env, UAPIGEN_SMOKE_DIR: root, ASAN_OPTIONS: [process.env.ASAN_OPTIONS, "allow_user_segv_handler=0"].filter(Boolean).join(":") };
    const r = spawnSync(process.execPath, ["--expose-gc", "--disable-wasm-trap-handler", here, mode], { encoding: "utf8", env });
    const report = r.stderr.split("\n").filter((l) => /ERROR: AddressSanitizer|(READ|WRITE) of size|#[0-4] .*(fake|shim|uapigen)/.test(l));
    check(r.status !== 0 && want.test(r.stderr), `child "${mode}" exits ${r.status} with:\n    ${report.slice(0, 6).join("\n    ")}`);
  }
  console.log("smoke: all ok");
}

function child(mode) {
  const { iommufd, device, open } = setup();
  const alloc2 = new DataView(new ArrayBuffer(12));
  alloc2.setUint32(0, 12, true);
  ioctl(iommufd, R.IOMMU_IOAS_ALLOC, alloc2);
  if (mode === "overflow") {
    // argsz claims 1024 bytes, the buffer has 32: the kernel copies the 48-byte cap chain to +32.
    const view = new DataView(new ArrayBuffer(32));
    view.setUint32(0, 1024, true);
    ioctl(device, R.VFIO_DEVICE_GET_REGION_INFO, view);
  } else if (mode === "use-after-free") {
    // A mapped heap buffer the program lets go of: the device's DMA hits freed memory.
    let buf = new Uint8Array(new ArrayBuffer(65536));
    mapBuffer(iommufd, alloc2.getUint32(8, true), buf);
    buf = null;
    // Collect until the backing store is freed (ASan then knows the mapping is dead memory).
    const collect = (tries) => {
      globalThis.gc();
      if (ioctl(iommufd, R.UAPIGEN_FAKE_CHECK, 0) === 0 && tries > 0) return setTimeout(() => collect(tries - 1), 20);
      ioctl(iommufd, R.UAPIGEN_FAKE_DMA, 0);
      console.error("use-after-free: the DMA did not fault (the buffer was not collected)");
    };
    collect(250);
    return;
  } else if (mode === "scalar") {
    // VFIO_GROUP_SET_CONTAINER takes a pointer to an int; passing the fd by value makes the
    // kernel dereference the fd number.
    const group = open("uapigen-fake-vfio-group-7");
    const container = open("uapigen-fake-vfio-container");
    ioctl(group, R.VFIO_GROUP_SET_CONTAINER, container);
  }
  console.error(`${mode}: no AddressSanitizer report`);
}

if (process.argv[2]) child(process.argv[2]);
else await main();
