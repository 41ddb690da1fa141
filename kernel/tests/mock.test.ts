// Through the iommufd test mock: MAP_FILE, dirty tracking, cache invalidation, I/O page faults, vIOMMU objects.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import {
  IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
  IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_FAULT_ID_VALID,
  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
  IOMMU_OPTION_HUGE_PAGES,
  IOMMU_PGFAULT_PERM_READ,
  IOMMU_PGFAULT_PERM_WRITE,
  IOMMUFD_PAGE_RESP_SUCCESS,
  iommufd_vevent_header,
} from "#linux/generated/iommufd.js";
import {
  iommuHwptGetDirtyBitmap,
  iommuHwptGetDirtyBitmapUnsafe,
  iommuHwptInvalidate,
  iommuHwptInvalidateAsync,
  iommuVdeviceAlloc,
  iommuVeventqAlloc,
  iommuViommuAlloc,
} from "#linux/generated/iommufd-ioctls.js";
import {
  IOMMU_HWPT_DATA_SELFTEST,
  IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
  IOMMU_TEST_IOTLB_DEFAULT,
  IOMMU_TEST_OP_DIRTY,
  IOMMU_TEST_OP_MD_CHECK_IOTLB,
  IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
  IOMMU_TEST_OP_TRIGGER_IOPF,
  IOMMU_TEST_OP_TRIGGER_VEVENT,
  IOMMU_VEVENTQ_TYPE_SELFTEST,
  IOMMU_VIOMMU_TYPE_SELFTEST,
  MOCK_APERTURE_START,
  MOCK_IOMMUPT_DEFAULT,
  MOCK_NESTED_DOMAIN_IOTLB_NUM,
  MOCK_PAGE_SIZE,
  IOMMU_TEST_CMD as IOMMU_TEST_CMD_REQUEST,
  iommu_hwpt_invalidate_selftest,
  iommu_hwpt_selftest,
  iommu_test_cmd,
  iommu_test_cmd_dirty,
  iommu_viommu_event_selftest,
} from "../generated/iommufd_test.js";
import type { Hwpt, Iommufd } from "#linux/iommufd.js";
import { mmapAnonymous, native } from "#runtime/native.js";
import { expectErrno, HAS, mockDomain, openIommufd, PAGE, testCmd } from "./iommufd-env.js";

/**
 * The mock's driver data. Unlike the core structs, driver data is taken at its exact length:
 * 6.12's mock rejects 7.3's 8-byte struct with EINVAL even with the new member zero, so it gets
 * the struct as it knows it (up to `iotlb`).
 */
const selftestData = (init: { iotlb?: number; pagetable_type?: number }) => {
  const dv = new DataView(new ArrayBuffer(iommu_hwpt_selftest.size));
  iommu_hwpt_selftest.encode(init, dv);
  return HAS.mockPagetableType ? dv : new DataView(dv.buffer, 0, iommu_hwpt_selftest.offsets.iotlb + 4);
};

/** A HW page table that can track dirty pages, over an IOAS the mock device is attached to. */
function dirtyHwpt(fd: Iommufd, devId: number, ioasId: number): Hwpt {
  return fd.allocHwpt(
    devId,
    ioasId,
    HAS.mockPagetableType
      ? { flags: IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ pagetable_type: MOCK_IOMMUPT_DEFAULT }) }
      : { flags: IOMMU_HWPT_ALLOC_DIRTY_TRACKING },
  );
}

/**
 * IOMMU_TEST_OP_DIRTY: the mock marks the MOCK_PAGE_SIZE pages `pages` (indexes from `iova`)
 * dirty; returns out_nr_dirty. The mock's user pointer sits in a nested struct the generated call
 * does not bind: the test issues it through the shim, which writes mark's address at dirty.uptr.
 */
function mockSetDirty(fd: Iommufd, hwptId: number, iova: bigint, length: number, pages: Iterable<number>): bigint {
  const nbits = length / MOCK_PAGE_SIZE;
  const mark = new Uint8Array(Math.ceil(nbits / 64) * 8);
  for (const i of pages) mark[i >> 3]! |= 1 << (i & 7);
  const cmd = new DataView(new ArrayBuffer(iommu_test_cmd.size));
  iommu_test_cmd.encode({ op: IOMMU_TEST_OP_DIRTY, id: hwptId, dirty: { iova, length: BigInt(length), page_size: BigInt(MOCK_PAGE_SIZE) } }, cmd);
  cmd.setUint32(iommu_test_cmd.offsets.size, iommu_test_cmd.size, true);
  native().ioctl(fd.fd, IOMMU_TEST_CMD_REQUEST, cmd, "IOMMU_TEST_CMD", [iommu_test_cmd.offsets.dirty + iommu_test_cmd_dirty.offsets.uptr, mark, mark.byteLength]);
  return iommu_test_cmd.decode(cmd).dirty.out_nr_dirty;
}

/** The indexes of the set bits of a bitmap (u64 words, little-endian: bit i is byte i/8, bit i%8). */
function setBits(bm: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bm.length * 8; i++) if ((bm[i >> 3]! >> (i & 7)) & 1) out.push(i);
  return out;
}

test("MAP_FILE maps a shmem file (tmpfs) and unmaps it", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  const file = "/tmp/uapigen-map-file";
  fs.writeFileSync(file, Buffer.alloc(16 * PAGE, 0xab));
  const f = fs.openSync(file, "r+");
  if (!HAS.mapFile) {
    // Older kernels do not know the ioctl: a clear error, nothing mapped.
    expectErrno("ENOTTY", () => ioas.mapFile(f, 0n, BigInt(16 * PAGE)), "IOMMU_IOAS_MAP_FILE");
    fs.closeSync(f);
    return;
  }
  const iova = ioas.mapFile(f, 0n, BigInt(16 * PAGE));
  assert.equal(ioas.unmap(iova, BigInt(16 * PAGE)), BigInt(16 * PAGE));
  const fixed = ioas.mapFile(f, BigInt(4 * PAGE), BigInt(4 * PAGE), { iova: 1n << 30n });
  assert.equal(fixed, 1n << 30n);
  expectErrno("EBADF", () => ioas.mapFile(987654, 0n, BigInt(PAGE)), "IOMMU_IOAS_MAP_FILE");
  fs.closeSync(f);
});

test("dirty tracking: set it, mark pages in the mock, read (and clear) the bitmap", () => {
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  const length = 64 * 1024;
  // One PTE per host page, as the selftest's non-hugepage variant expects.
  fd.option(IOMMU_OPTION_HUGE_PAGES, 0n, ioas.id);
  ioas.map(mmapAnonymous(length), { iova: BigInt(MOCK_APERTURE_START) });
  const hwpt = dirtyHwpt(fd, dev.out_idev_id, ioas.id);
  hwpt.setDirtyTracking(true);
  // As the selftest: bitmap bits are MOCK_PAGE_SIZE pages, PTEs are host pages (npte bits each).
  const nbits = length / MOCK_PAGE_SIZE;
  // 7.x's mock has a real page table (host-page PTEs); 6.12's tracks each MOCK_PAGE_SIZE page.
  const npte = HAS.mockPagetableType ? PAGE / MOCK_PAGE_SIZE : 1;
  const pteset = 2 * npte;
  const marked = Array.from({ length: nbits / pteset }, (_, k) => k * pteset);
  assert.equal(mockSetDirty(fd, hwpt.id, BigInt(MOCK_APERTURE_START), length, marked), BigInt(nbits / pteset));
  const bit = (bm: Uint8Array, i: number) => ((bm[i >> 3]! >> (i & 7)) & 1) === 1;
  // Every PTE the mock marked reads back dirty, whole (npte bits), and nothing else.
  const first = hwpt.dirtyBitmap(BigInt(MOCK_APERTURE_START), BigInt(length), BigInt(MOCK_PAGE_SIZE), IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
  for (let i = 0; i < nbits; i++) assert.equal(bit(first, i), i % pteset < npte, `bit ${i}`);
  // NO_CLEAR left them; a plain read returns them and clears.
  const second = hwpt.dirtyBitmap(BigInt(MOCK_APERTURE_START), BigInt(length), BigInt(MOCK_PAGE_SIZE));
  assert.deepEqual(second, first);
  const third = hwpt.dirtyBitmap(BigInt(MOCK_APERTURE_START), BigInt(length), BigInt(MOCK_PAGE_SIZE));
  assert.ok(third.every((b) => b === 0), "read once: clear");
  hwpt.setDirtyTracking(false);
});

test("dirty bitmap at other page sizes: one bit per 2^__ffs(page_size) bytes, in a bitmap sized as the kernel fills it", () => {
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  fd.option(IOMMU_OPTION_HUGE_PAGES, 0n, ioas.id);
  const base = BigInt(MOCK_APERTURE_START);
  // 72 host pages: at 4 KiB a bit, 72 bits, so the kernel fills two u64 words.
  const length = 72 * PAGE;
  ioas.map(mmapAnonymous(length), { iova: base });
  const hwpt = dirtyHwpt(fd, dev.out_idev_id, ioas.id);
  hwpt.setDirtyTracking(true);
  const NO_CLEAR = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
  const P12K = BigInt(3 * PAGE);

  // The kernel's rule (iommufd_check_iova_range): page_size non-zero, and neither iova nor
  // iova + length may have a bit of page_size - 1 set. For 12 KiB that mask is 0x2fff, so it is
  // not "a multiple of page_size": base is 4 KiB past a multiple of 12 KiB, base + 0x2000 and
  // base + 0x8000 are multiples.
  expectErrno("EINVAL", () => iommuHwptGetDirtyBitmapUnsafe(fd.fd, { hwpt_id: hwpt.id, iova: base, length: BigInt(length), page_size: 0n, data: 0n }), "IOMMU_HWPT_GET_DIRTY_BITMAP");
  assert.throws(() => hwpt.dirtyBitmap(base, BigInt(length), 0n), RangeError, "the runtime refuses page_size 0 itself");
  // Two 12 KiB pages from a multiple of 12 KiB: base + 0x2000 has bit 13 set.
  expectErrno("EINVAL", () => hwpt.dirtyBitmap(base + 0x2000n, 2n * P12K, P12K, NO_CLEAR), "IOMMU_HWPT_GET_DIRTY_BITMAP");
  // One 12 KiB page from base: base + 0x3000 has bit 12 set.
  expectErrno("EINVAL", () => hwpt.dirtyBitmap(base, P12K, P12K, NO_CLEAR), "IOMMU_HWPT_GET_DIRTY_BITMAP");
  // Accepted: 16 KiB from base, no multiple of 12 KiB; four 4 KiB bits in one word, none dirty yet.
  assert.deepEqual(hwpt.dirtyBitmap(base, 0x4000n, P12K, NO_CLEAR), new Uint8Array(8));

  // Host pages dirty in the mock, across the first word's end and at the last page. Marked at
  // MOCK_PAGE_SIZE (the first half of each host page): 6.12's mock records that half page, 7.x's
  // the host-page PTE; at 4 KiB a bit both read back as the host page's bit.
  const dirty = [0, 1, 5, 63, 64, 71];
  assert.equal(mockSetDirty(fd, hwpt.id, base, length, dirty.map((k) => (k * PAGE) / MOCK_PAGE_SIZE)), BigInt(dirty.length));

  // 12 KiB counts 4 KiB pages (__ffs(0x3000) = 12): ((72 * 4096 - 1) >> 12) / 64 + 1 = 2 words.
  // (length / page_size rounded up to words would be 24 bits, one word: bit 71 would land past it.)
  const at12k = hwpt.dirtyBitmap(base, BigInt(length), P12K, NO_CLEAR);
  assert.equal(at12k.length, 16);
  assert.deepEqual(setBits(at12k), dirty);
  // The typed call sizes the buffer the same way: one word short is refused before the kernel ...
  const args = { hwpt_id: hwpt.id, flags: NO_CLEAR, iova: base, length: BigInt(length), page_size: P12K };
  assert.throws(() => iommuHwptGetDirtyBitmap(fd.fd, { ...args, data: new Uint8Array(8) }), RangeError);
  // ... and a larger buffer is written only in the two words (the rest keeps its 0xff).
  const roomy = new Uint8Array(24).fill(0xff, 16);
  iommuHwptGetDirtyBitmap(fd.fd, { ...args, data: roomy });
  assert.deepEqual(setBits(roomy.subarray(0, 16)), dirty);
  assert.ok(roomy.subarray(16).every((b) => b === 0xff), "nothing written past the kernel's words");
  // 8 KiB: 36 bits, one word; each bit covers two host pages.
  const at8k = hwpt.dirtyBitmap(base, BigInt(length), BigInt(2 * PAGE), NO_CLEAR);
  assert.equal(at8k.length, 8);
  assert.deepEqual(setBits(at8k), [0, 2, 31, 32, 35]);
  // The accepted 16 KiB window sees the first two.
  assert.deepEqual(setBits(hwpt.dirtyBitmap(base, 0x4000n, P12K, NO_CLEAR)), [0, 1]);
  // 2 * MOCK_PAGE_SIZE (4 KiB) reads the same bits as 12 KiB, and clears them.
  assert.deepEqual(hwpt.dirtyBitmap(base, BigInt(length), BigInt(2 * MOCK_PAGE_SIZE)), at12k);
  assert.deepEqual(setBits(hwpt.dirtyBitmap(base, BigInt(length), P12K)), [], "read once: clear");
  hwpt.setDirtyTracking(false);
});

/** The selftest's IOMMU_TEST_INVALIDATE_FLAG_ALL (a #define inside the struct, so not bound). */
const IOMMU_TEST_INVALIDATE_FLAG_ALL = 1 << 0;

/** An array of struct iommu_hwpt_invalidate_selftest. */
function invalidations(entries: { flags?: number; iotlb_id?: number }[]): DataView {
  const dv = new DataView(new ArrayBuffer(entries.length * iommu_hwpt_invalidate_selftest.size));
  entries.forEach((e, i) => {
    iommu_hwpt_invalidate_selftest.encode(e, dv, i * iommu_hwpt_invalidate_selftest.size);
  });
  return dv;
}

/** IOMMU_TEST_OP_MD_CHECK_IOTLB for each entry of a mock nested HWPT (EINVAL when it differs). */
function assertIotlb(fd: Iommufd, hwptId: number, expected: readonly number[]): void {
  assert.equal(expected.length, MOCK_NESTED_DOMAIN_IOTLB_NUM);
  expected.forEach((iotlb, id) => {
    assert.doesNotThrow(() => testCmd(fd, { op: IOMMU_TEST_OP_MD_CHECK_IOTLB, id: hwptId, check_iotlb: { id, iotlb } }), `iotlb[${id}] of HWPT ${hwptId} should be ${iotlb}`);
  });
}

/** Runs a call expected to fail with `code`; returns the struct the kernel left (err.struct). */
function failing<T>(code: string, fn: () => unknown): T {
  let struct: T | undefined;
  expectErrno(code, () => {
    try {
      fn();
    } catch (err) {
      struct = (err as { struct: T }).struct;
      throw err;
    }
  });
  return struct!;
}

test("HWPT_INVALIDATE: entries of entry_len bytes, entry_num from the buffer and back, the mock's IOTLB as the selftest expects", async () => {
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  const parent = fd.allocHwpt(dev.out_idev_id, ioas.id, { flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
  const nested = () => fd.allocHwpt(dev.out_idev_id, parent.id, { dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ iotlb: IOMMU_TEST_IOTLB_DEFAULT }) });
  const a = nested();
  const b = nested();
  const D = IOMMU_TEST_IOTLB_DEFAULT;
  const entry_len = iommu_hwpt_invalidate_selftest.size;
  const data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
  assertIotlb(fd, a.id, [D, D, D, D]);

  // Two entries: entry_num is set from the buffer (16 bytes / 8), and returns as processed.
  const two = iommuHwptInvalidate(fd.fd, { hwpt_id: a.id, data_type, entry_len, data_uptr: invalidations([{ iotlb_id: 2 }, { iotlb_id: 3 }]) });
  assert.equal(two.entry_num, 2);
  assertIotlb(fd, a.id, [D, D, 0, 0]);
  // The second entry has unknown flags: EOPNOTSUPP after the first was done (entry_num 1).
  const partial = failing<{ entry_num: number }>("EOPNOTSUPP", () =>
    iommuHwptInvalidate(fd.fd, { hwpt_id: a.id, data_type, entry_len, data_uptr: invalidations([{ iotlb_id: 0 }, { flags: 0xffffffff, iotlb_id: 1 }]) }),
  );
  assert.equal(partial.entry_num, 1);
  assertIotlb(fd, a.id, [0, D, 0, 0]);

  // Counts the buffer does not hold are refused by the runtime, before the kernel: more entries
  // than it has, entries longer than it, or no entry_len to count them by.
  const one = invalidations([{ iotlb_id: 1 }]);
  assert.throws(() => iommuHwptInvalidate(fd.fd, { hwpt_id: a.id, data_type, entry_len, entry_num: 2, data_uptr: one }), RangeError);
  assert.throws(() => iommuHwptInvalidate(fd.fd, { hwpt_id: a.id, data_type, entry_len: 2 * entry_len, entry_num: 1, data_uptr: one }), RangeError);
  assert.throws(() => iommuHwptInvalidate(fd.fd, { hwpt_id: a.id, data_type, data_uptr: one }), RangeError);
  assertIotlb(fd, a.id, [0, D, 0, 0]);

  // A smaller count is the caller's to give: only the first entry (not the FLAG_ALL one) is sent.
  const first = iommuHwptInvalidate(fd.fd, { hwpt_id: b.id, data_type, entry_len, entry_num: 1, data_uptr: invalidations([{ iotlb_id: 1 }, { flags: IOMMU_TEST_INVALIDATE_FLAG_ALL }]) });
  assert.equal(first.entry_num, 1);
  assertIotlb(fd, b.id, [D, 0, D, D]);
  // On the thread pool (the entries copied for the call): FLAG_ALL clears every entry.
  const all = await iommuHwptInvalidateAsync(fd.fd, { hwpt_id: b.id, data_type, entry_len, data_uptr: invalidations([{ flags: IOMMU_TEST_INVALIDATE_FLAG_ALL }]) });
  assert.equal(all.entry_num, 1);
  assertIotlb(fd, b.id, [0, 0, 0, 0]);

  // A paging HWPT has no cache to invalidate; nothing is processed. 6.12 looks the ID up as a
  // nested HWPT (ENOENT); since vIOMMUs (6.13) any object is looked up and the type refused.
  const refused = failing<{ entry_num: number }>(HAS.viommu ? "EINVAL" : "ENOENT", () => iommuHwptInvalidate(fd.fd, { hwpt_id: parent.id, data_type, entry_len, data_uptr: one }));
  assert.equal(refused.entry_num, 0);
});

test("fault queue: an I/O page fault is read as a typed event and answered", () => {
  // Objects that reference each other go with the iommufd (as in the selftest's teardown).
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  const parent = fd.allocHwpt(dev.out_idev_id, ioas.id, { flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
  const queue = fd.allocFaultQueue();
  expectErrno("ENOENT", () => fd.allocHwpt(dev.out_idev_id, parent.id, { flags: IOMMU_HWPT_FAULT_ID_VALID, faultId: 0xffffffff, dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ iotlb: IOMMU_TEST_IOTLB_DEFAULT }) }), "IOMMU_HWPT_ALLOC");
  const iopf = fd.allocHwpt(dev.out_idev_id, parent.id, { flags: IOMMU_HWPT_FAULT_ID_VALID, faultId: queue.id, dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ iotlb: IOMMU_TEST_IOTLB_DEFAULT }) });
  testCmd(fd, { op: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, id: dev.out_stdev_id, mock_domain_replace: { pt_id: iopf.id } });
  testCmd(fd, { op: IOMMU_TEST_OP_TRIGGER_IOPF, trigger_iopf: { dev_id: dev.out_idev_id, pasid: 1, grpid: 2, perm: IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE, addr: 0xdeadbeafn } });
  const faults = queue.read(1);
  assert.equal(faults.length, 1);
  const [fault] = faults;
  assert.equal(fault!.dev_id, dev.out_idev_id);
  assert.equal(fault!.pasid, 1);
  assert.equal(fault!.grpid, 2);
  assert.equal(fault!.perm, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE);
  assert.equal(fault!.addr, 0xdeadbeafn);
  queue.respond(fault!.cookie, IOMMUFD_PAGE_RESP_SUCCESS);
  // Off the IOPF HWPT; then it and the queue can go.
  testCmd(fd, { op: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, id: dev.out_stdev_id, mock_domain_replace: { pt_id: ioas.id } });
  iopf.destroy();
  queue.destroy();
});

test("vIOMMU, vDevice and vEVENTQ: an event the mock raises is read back with its virtual ID", () => {
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  const parent = fd.allocHwpt(dev.out_idev_id, ioas.id, { flags: IOMMU_HWPT_ALLOC_NEST_PARENT });
  if (!HAS.viommu) {
    expectErrno("ENOTTY", () => iommuViommuAlloc(fd.fd, { type: IOMMU_VIOMMU_TYPE_SELFTEST >>> 0, dev_id: dev.out_idev_id, hwpt_id: parent.id }), "IOMMU_VIOMMU_ALLOC");
    return;
  }
  const viommu = iommuViommuAlloc(fd.fd, { type: IOMMU_VIOMMU_TYPE_SELFTEST >>> 0, dev_id: dev.out_idev_id, hwpt_id: parent.id });
  assert.ok(viommu.out_viommu_id > 0);
  const vdev = iommuVdeviceAlloc(fd.fd, { viommu_id: viommu.out_viommu_id, dev_id: dev.out_idev_id, virt_id: 0x99n });
  const q = iommuVeventqAlloc(fd.fd, { viommu_id: viommu.out_viommu_id, type: IOMMU_VEVENTQ_TYPE_SELFTEST >>> 0, veventq_depth: 2 });
  // Events flow once the device sits on a nested HWPT of the vIOMMU (as in the selftest).
  const nested = fd.allocHwpt(dev.out_idev_id, viommu.out_viommu_id, { dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ iotlb: IOMMU_TEST_IOTLB_DEFAULT }) });
  testCmd(fd, { op: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, id: dev.out_stdev_id, mock_domain_replace: { pt_id: nested.id } });
  testCmd(fd, { op: IOMMU_TEST_OP_TRIGGER_VEVENT, trigger_vevent: { dev_id: dev.out_idev_id } });
  const buf = new Uint8Array(iommufd_vevent_header.size + iommu_viommu_event_selftest.size);
  assert.equal(fs.readSync(q.out_veventq_fd, buf), buf.length);
  const dv = new DataView(buf.buffer);
  assert.equal(iommufd_vevent_header.decode(dv).flags, 0);
  assert.equal(iommu_viommu_event_selftest.decode(dv, iommufd_vevent_header.size).virt_id, 0x99);
  fs.closeSync(q.out_veventq_fd);
  fd.destroy(q.out_veventq_id);
  testCmd(fd, { op: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, id: dev.out_stdev_id, mock_domain_replace: { pt_id: ioas.id } });
  nested.destroy();
  fd.destroy(vdev.out_vdevice_id);
  // The vIOMMU keeps its nest parent busy until it goes.
  expectErrno("EBUSY", () => parent.destroy(), "IOMMU_DESTROY");
  fd.destroy(viommu.out_viommu_id);
});
