// The holes of the safety model against a fake kernel (test/asan/fake-*.c) that reads and
// writes user memory with the 7.3 handlers' extents, in a process running AddressSanitizer
// (`npm run test:asan`). A call that lets the "kernel" touch memory outside a live buffer ends
// the process with an ASan report, which fails the run; the assertions check what the runtime
// did instead. Not part of `npm test`: it needs the preloaded libasan and fake kernel.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import * as io from "#linux/generated/iommufd-ioctls.js";
import {
  ioctls,
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
  IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
} from "#linux/generated/iommufd.js";
import * as vfio from "#linux/generated/vfio-ioctls.js";
import { VFIO_DEVICE_BIND_FLAG_TOKEN, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_TYPE1v2_IOMMU } from "#linux/generated/vfio.js";
import { callStructAsync } from "#runtime/call.js";
import { Iommufd } from "#linux/iommufd.js";
import { mmapAnonymous, munmap, native } from "#runtime/native.js";
import { VfioDevice } from "#linux/vfio.js";

const gc = (globalThis as { gc?: () => void }).gc!;
assert.ok(gc, "run with --expose-gc");
assert.match(process.env.LD_PRELOAD ?? "", /libfakekernel\.so/, "run through npm run test:asan");

/** The fake-only request: "the device does DMA" into every live mapping of an iommufd or container. */
const UAPIGEN_FAKE_DMA = 0x5a00;
const dma = (fd: number) => native().ioctl(fd, UAPIGEN_FAKE_DMA, 0, "UAPIGEN_FAKE_DMA");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-asan-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** Opens a fresh fake device file: its name says what the fake kernel emulates. */
function open(kind: string): number {
  const sub = fs.mkdtempSync(path.join(dir, `${files++}-`));
  return fs.openSync(path.join(sub, `uapigen-fake-${kind}`), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

/** An iommufd with an IOAS and a bound, attached vfio device (cdev). */
function setup() {
  const iommufd = new Iommufd(open("iommufd"));
  const ioas = iommufd.allocIoas();
  const device = new VfioDevice(open("vfio-device-0000:01:00.0"));
  const devId = device.bind(iommufd);
  device.attach(ioas.id);
  return { iommufd, ioas, device, devId };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test("GET_REGION_INFO: a caller's argsz never reaches the kernel; the chain comes back through the grow protocol", () => {
  const { device } = setup();
  assert.throws(() => vfio.vfioDeviceGetRegionInfo(device.fd, { argsz: 1024 } as never), /argsz is set by the runtime/);
  const info = vfio.vfioDeviceGetRegionInfo(device.fd, { index: 0 });
  assert.equal(info.argsz, 80);
  assert.equal(info.capabilities?.[0]?.id, 1, "the sparse-mmap capability");
  // Decoded into its struct, with its areas[] as many as nr_areas says and its bytes hold.
  const sparse = info.capabilities![0]!.value as { nr_areas: number; areas?: { offset: bigint; size: bigint }[] };
  assert.equal(sparse.nr_areas, 2);
  assert.equal(sparse.areas?.length, 2);
  assert.equal(sparse.areas![1]!.size, 0xd000n);
  assert.equal(info.trailing.length, 48);
  const dev = vfio.vfioDeviceGetInfo(device.fd);
  assert.equal(dev.num_regions, 9);
});

test("SET_IRQS and PCI_HOT_RESET: trailing data the kernel reads is exactly what was given", () => {
  const { device } = setup();
  const MSIX = 2;
  const efds = Int32Array.of(0, 1);
  vfio.vfioDeviceSetIrqs(device.fd, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: MSIX, start: 0, count: 2, data: efds });
  // A count beyond the data: argsz is the buffer, so the kernel refuses instead of reading on.
  assert.throws(() => vfio.vfioDeviceSetIrqs(device.fd, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: MSIX, start: 0, count: 2, data: efds.subarray(0, 1) }), { code: "EINVAL" });
  assert.throws(() => vfio.vfioDevicePciHotReset(device.fd, { count: 64, group_fds: Int32Array.of(1) }), { name: "RangeError" });
});

test("GET_HW_INFO: data_len is the buffer's length, never a caller's size", () => {
  const { iommufd, devId } = setup();
  assert.throws(() => io.iommuGetHwInfo(iommufd.fd, { size: 4096, dev_id: devId } as never), /size is set by the runtime/);
  const data = new Uint8Array(64);
  const out = io.iommuGetHwInfo(iommufd.fd, { dev_id: devId, data_uptr: data });
  assert.equal(out.data_len, 40);
  const short = new Uint8Array(8);
  assert.equal(io.iommuGetHwInfo(iommufd.fd, { dev_id: devId, data_uptr: short }).data_len, 40);
});

test("dirty bitmap with 12 KiB pages: sized by __ffs(page_size) as the kernel writes it", () => {
  const { iommufd, ioas, devId } = setup();
  const ram = mmapAnonymous(1 << 20);
  ioas.map(ram, { iova: 0n });
  const hwpt = iommufd.allocHwpt(devId, ioas.id, { flags: IOMMU_HWPT_ALLOC_DIRTY_TRACKING });
  hwpt.setDirtyTracking(true);
  const bitmap = hwpt.dirtyBitmap(0n, 1n << 20n, 12288n);
  assert.equal(bitmap.length, 32);
  assert.ok(bitmap.every((b) => b === 0xff), "the fake reports every 4 KiB page dirty");
});

test("HWPT_INVALIDATE: entry_num entries of entry_len bytes, no more", () => {
  const { iommufd, ioas, devId } = setup();
  const parent = iommufd.allocHwpt(devId, ioas.id, { flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
  const viommu = io.iommuViommuAlloc(iommufd.fd, { type: IOMMU_VIOMMU_TYPE_ARM_SMMUV3, dev_id: devId, hwpt_id: parent.id });
  const entries = new Uint8Array(3 * 16 + 7);
  const out = io.iommuHwptInvalidate(iommufd.fd, { hwpt_id: viommu.out_viommu_id, data_type: IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, entry_len: 16, data_uptr: entries });
  assert.equal(out.entry_num, 3);
  // A longer entry_len than the buffer allows: fewer entries, never past the end.
  assert.equal(io.iommuHwptInvalidate(iommufd.fd, { hwpt_id: viommu.out_viommu_id, data_type: IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, entry_len: 32, data_uptr: entries }).entry_num, 1);
});

test("BIND_IOMMUFD token: the kernel reads 16 bytes; shorter is refused before it", () => {
  const iommufd = new Iommufd(open("iommufd"));
  const device = new VfioDevice(open("vfio-device-0000:02:00.0"));
  assert.throws(() => device.bind(iommufd, new Uint8Array(8)), /uses 16 bytes here/);
  const token = new Uint8Array(16).fill(7);
  vfio.vfioDeviceBindIommufd(device.fd, { iommufd: iommufd.fd, flags: VFIO_DEVICE_BIND_FLAG_TOKEN, token_uuid_ptr: token });
});

test("IOAS mappings keep their memory: collected buffers are not freed while the device can DMA", async () => {
  const { iommufd, ioas } = setup();
  let view: Uint8Array | undefined = new Uint8Array(mmapAnonymous(1 << 16));
  assert.throws(() => ioas.map(Buffer.alloc(1 << 16)), /must be memory from mmapAnonymous/);
  const iova = ioas.map(view);
  const ab = view.buffer as ArrayBuffer;
  assert.throws(() => munmap(ab), { code: "EBUSY" });
  view = undefined;
  gc();
  await settle();
  gc();
  dma(iommufd.fd); // writes into the mapping: still the process's pinned memory
  ioas.unmap(iova, 1n << 16n);
  dma(iommufd.fd); // nothing mapped any more
});

test("async MAP: munmap is EBUSY while in flight and while mapped", async () => {
  const { iommufd, ioas } = setup();
  const ram = mmapAnonymous(1 << 16);
  const pending = ioas.mapAsync(ram);
  assert.throws(() => munmap(ram), { code: "EBUSY" });
  assert.throws(() => iommufd.close(), { code: "EBUSY" });
  const iova = await pending;
  assert.throws(() => munmap(ram), { code: "EBUSY" });
  dma(iommufd.fd);
  ioas.unmap(iova, 1n << 16n);
  munmap(ram);
  iommufd.close();
});

test("VFIO type1: SET_CONTAINER takes a pointer to the fd; MAP_DMA of runtime memory only, pinned for good through a bare fd", () => {
  const group = open("vfio-group");
  const container = open("vfio-container");
  vfio.vfioGroupSetContainer(group, container);
  vfio.vfioSetIommu(container, VFIO_TYPE1v2_IOMMU);
  assert.throws(() => vfio.vfioIommuMapDma(container, { vaddr: new Uint8Array(4096), iova: 0n, flags: 3 }), /mmapAnonymous/);
  const ram = mmapAnonymous(1 << 16);
  vfio.vfioIommuMapDma(container, { vaddr: new Uint8Array(ram), iova: 0x100000n, flags: 3 });
  assert.throws(() => munmap(ram), { code: "EBUSY" });
  dma(container);
  vfio.vfioIommuUnmapDma(container, { iova: 0x100000n, size: 1n << 16n });
  // Through a bare fd number nothing releases the pin: the number could be reused behind the runtime.
  assert.throws(() => munmap(ram), { code: "EBUSY" });
  const info = vfio.vfioIommuGetInfo(container);
  assert.ok(info.capabilities && info.capabilities.length > 0, "the type1 capability chain");
  const ranges = info.capabilities.find((c) => c.id === 1)?.value as { nr_iovas: number; iova_ranges?: { start: bigint; end: bigint }[] } | undefined;
  assert.ok(ranges && ranges.iova_ranges?.length === ranges.nr_iovas && ranges.nr_iovas > 0, "IOVA_RANGE decoded with its ranges");
});

test("getters run before any address is taken: a count getter that transfers the buffer and collects", () => {
  const { iommufd, ioas } = setup();
  let buffer: ArrayBuffer | undefined = new ArrayBuffer(64);
  const ranges = new Uint8Array(buffer);
  const args = {
    ioas_id: ioas.id,
    allowed_iovas: ranges,
    get num_iovas() {
      structuredClone(buffer, { transfer: [buffer!] });
      buffer = undefined;
      gc();
      return 4;
    },
  };
  assert.throws(() => io.iommuIoasIovaRanges(iommufd.fd, args), { name: "RangeError", message: /num_iovas is 4, but the allowed_iovas buffer holds 0/ });
});

test("async calls: a buffer transferred and collected during the call is never written", async () => {
  const { iommufd, ioas } = setup();
  let ranges: Uint8Array | undefined = new Uint8Array(4 * 16);
  const pending = io.iommuIoasIovaRangesAsync(iommufd.fd, { ioas_id: ioas.id, allowed_iovas: ranges });
  structuredClone(ranges.buffer, { transfer: [ranges.buffer] });
  ranges = undefined;
  gc();
  await assert.rejects(pending, { code: "ERR_UAPIGEN_DETACHED" });
});

test("async calls: closing the fd number meanwhile cannot redirect the call", async () => {
  const { ioas } = setup();
  const raw = open("iommufd");
  const mine = io.iommuIoasAlloc(raw).out_ioas_id;
  const pending = io.iommuIoasIovaRangesAsync(raw, { ioas_id: mine, allowed_iovas: new Uint8Array(64) });
  fs.closeSync(raw);
  const reused = fs.openSync(path.join(dir, "plain-file"), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  const out = await pending; // issued on the iommufd it was given, not on the reused number
  assert.equal(out.num_iovas, 2);
  fs.closeSync(reused);
  void ioas;
});

test("property: random arguments, getters that detach, resize, transfer and collect, random fds", async () => {
  const { iommufd, ioas, device, devId } = setup();
  const fds = [iommufd.fd, device.fd, NaN, -1, 1.5, 2 ** 32 + iommufd.fd, 2 ** 31];
  const mischief = fc.constantFrom("none", "detach", "shrink", "transfer-gc");
  const bufferArb = fc.record({ size: fc.integer({ min: 0, max: 256 }), offset: fc.integer({ min: 0, max: 16 }), act: mischief });
  const makeBuffer = (b: { size: number; offset: number; act: string }) => {
    const rab = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(b.size + b.offset, { maxByteLength: 512 });
    const view = new Uint8Array(rab, Math.min(b.offset, b.size + b.offset));
    const act = () => {
      if (b.act === "detach") structuredClone(rab, { transfer: [rab] });
      if (b.act === "shrink") rab.resize(0);
      if (b.act === "transfer-gc") {
        structuredClone(rab, { transfer: [rab] });
        gc();
      }
    };
    return { view, act };
  };
  let calls = 0;
  let refusedFds = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: fds.length - 1 }), fc.integer({ min: 0, max: 3 }), bufferArb, fc.option(fc.integer({ min: 0, max: 64 })), fc.boolean(), async (fdIndex, which, b, count, async) => {
      const fd = fds[fdIndex]!;
      const { view, act } = makeBuffer(b);
      const lazy = <T>(v: T) => ({ get value() { act(); return v; } });
      const args: Record<string, unknown>[] = [
        { ioas_id: ioas.id, get allowed_iovas() { return lazy(view).value; }, ...(count === null ? {} : { num_iovas: count }) },
        { dev_id: devId, get data_uptr() { return lazy(view).value; } },
        { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: count ?? 0, get data() { return lazy(view).value; } },
        { ioas_id: ioas.id, get allowed_iovas() { return lazy(view).value; }, ...(count === null ? {} : { num_iovas: count }) },
      ];
      const call = [
        async ? io.iommuIoasIovaRangesAsync : io.iommuIoasIovaRanges,
        async ? io.iommuGetHwInfoAsync : io.iommuGetHwInfo,
        async ? vfio.vfioDeviceSetIrqsAsync : vfio.vfioDeviceSetIrqs,
        async ? io.iommuIoasAllowIovasAsync : io.iommuIoasAllowIovas,
      ][which] as (fd: number, a: object) => unknown;
      if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
        await assert.rejects(async () => call(fd, args[which]!), { name: "TypeError", message: /fd must be an integer/ });
        refusedFds++;
        return;
      }
      try {
        const p = call(fd, args[which]!);
        if (async && b.act !== "none") {
          act();
          gc();
        }
        await p;
      } catch (err) {
        // Refused by the runtime (TypeError, RangeError) or by the kernel (a system error).
        assert.ok(err instanceof TypeError || err instanceof RangeError || typeof (err as { code?: unknown }).code === "string", String(err));
      }
      calls++;
    }),
    { numRuns: Number(process.env.UAPIGEN_ASAN_RUNS ?? 300) },
  );
  assert.ok(calls + refusedFds >= 300 || process.env.UAPIGEN_ASAN_RUNS !== undefined);
  assert.ok(refusedFds > 0 && calls > 0, `${calls} calls, ${refusedFds} bad fds refused`);
});

test("Array.prototype accessors cannot swap the pointer list the shim reads (sync and async)", async () => {
  const { iommufd, devId } = setup();
  const tiny = new Uint8Array(8);
  const stash: Record<number, unknown> = {};
  const hijack = (i: number, get: () => unknown) =>
    Object.defineProperty(Array.prototype, String(i), { configurable: true, set(x) { stash[i] = x; }, get });
  const big = new Uint8Array(4096);
  hijack(1, () => tiny);
  hijack(2, () => 0);
  try {
    assert.equal(io.iommuGetHwInfo(iommufd.fd, { dev_id: devId, data_uptr: big }).data_len, 40);
  } finally {
    delete (Array.prototype as unknown as Record<number, unknown>)[1];
    delete (Array.prototype as unknown as Record<number, unknown>)[2];
  }
  // Async: a getter that frees the buffer on a second read of the list never runs.
  let buffer: Uint8Array | undefined = new Uint8Array(1 << 16);
  let reads = 0;
  hijack(1, () => {
    if (++reads === 2 && buffer) {
      structuredClone(buffer.buffer, { transfer: [buffer.buffer] });
      buffer = undefined;
      gc();
    }
    return stash[1];
  });
  let pending: Promise<unknown>;
  try {
    pending = io.iommuGetHwInfoAsync(iommufd.fd, { dev_id: devId, data_uptr: buffer });
  } finally {
    delete (Array.prototype as unknown as Record<number, unknown>)[1];
  }
  await pending;
  assert.equal(reads, 0, "the list is own data properties: no accessor on Array.prototype ran");
});

test("closing an Iommufd a bound device still holds: its mappings are unmapped first, then the memory is free", () => {
  const { iommufd, ioas } = setup(); // the device stays bound: the kernel file outlives this fd
  const ram = mmapAnonymous(1 << 16);
  ioas.map(ram);
  iommufd.close();
  munmap(ram); // allowed: the IOAS no longer maps it
  const reused = mmapAnonymous(1 << 16); // may land at the same address
  new Uint8Array(reused).fill(0);
  // No device DMA reaches the new memory: nothing is mapped any more.
  assert.ok(new Uint8Array(reused).every((b) => b === 0));
});

test("async UNMAP against a map made while it is in flight: only the old mapping is released", async () => {
  const { iommufd, ioas } = setup();
  const a = mmapAnonymous(1 << 16);
  const iova = ioas.map(a);
  const owner = iommufd as unknown as { mappingOwner: object };
  const unmapping = callStructAsync(iommufd.fd, ioctls.IOMMU_IOAS_UNMAP, { ioas_id: ioas.id, iova, length: 1n << 16n }, owner.mappingOwner);
  await new Promise((r) => setTimeout(r, 20));
  const b = mmapAnonymous(1 << 16);
  const again = ioas.map(b, { iova: iova + (1n << 20n) });
  await unmapping;
  assert.throws(() => munmap(b), { code: "EBUSY" }, "b is still mapped");
  dma(iommufd.fd);
  ioas.unmap(again, 1n << 16n);
  munmap(b);
  munmap(a);
});
