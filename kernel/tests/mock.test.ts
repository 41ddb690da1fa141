// Through the iommufd test mock: MAP_FILE, dirty tracking, I/O page faults, vIOMMU objects.
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
} from "../../generated/iommufd.js";
import { IOMMU_VDEVICE_ALLOC, IOMMU_VEVENTQ_ALLOC, IOMMU_VIOMMU_ALLOC } from "../../generated/iommufd-ioctls.js";
import {
  IOMMU_HWPT_DATA_SELFTEST,
  IOMMU_TEST_IOTLB_DEFAULT,
  IOMMU_TEST_OP_DIRTY,
  IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
  IOMMU_TEST_OP_TRIGGER_IOPF,
  IOMMU_TEST_OP_TRIGGER_VEVENT,
  IOMMU_VEVENTQ_TYPE_SELFTEST,
  IOMMU_VIOMMU_TYPE_SELFTEST,
  MOCK_APERTURE_START,
  MOCK_IOMMUPT_DEFAULT,
  MOCK_PAGE_SIZE,
  IOMMU_TEST_CMD as IOMMU_TEST_CMD_REQUEST,
  iommu_hwpt_selftest,
  iommu_test_cmd,
  iommu_test_cmd_dirty,
  iommu_viommu_event_selftest,
} from "../generated/iommufd_test.js";
import { mmapAnonymous, native } from "../../runtime/native.js";
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
  const hwpt = fd.allocHwpt(
    dev.out_idev_id,
    ioas.id,
    HAS.mockPagetableType
      ? { flags: IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dataType: IOMMU_HWPT_DATA_SELFTEST, data: selftestData({ pagetable_type: MOCK_IOMMUPT_DEFAULT }) }
      : { flags: IOMMU_HWPT_ALLOC_DIRTY_TRACKING },
  );
  hwpt.setDirtyTracking(true);
  // As the selftest: bitmap bits are MOCK_PAGE_SIZE pages, PTEs are host pages (npte bits each).
  const nbits = length / MOCK_PAGE_SIZE;
  // 7.x's mock has a real page table (host-page PTEs); 6.12's tracks each MOCK_PAGE_SIZE page.
  const npte = HAS.mockPagetableType ? PAGE / MOCK_PAGE_SIZE : 1;
  const pteset = 2 * npte;
  const mark = new Uint8Array(Math.ceil(nbits / 64) * 8);
  for (let i = 0; i < nbits; i += pteset) mark[i >> 3]! |= 1 << (i & 7);
  // The mock's user pointer sits in a nested struct the generated call does not bind: the test
  // issues it through the shim, which writes mark's address at dirty.uptr.
  const cmd = new DataView(new ArrayBuffer(iommu_test_cmd.size));
  iommu_test_cmd.encode({ size: iommu_test_cmd.size, op: IOMMU_TEST_OP_DIRTY, id: hwpt.id, dirty: { iova: BigInt(MOCK_APERTURE_START), length: BigInt(length), page_size: BigInt(MOCK_PAGE_SIZE) } }, cmd);
  native().ioctl(fd.fd, IOMMU_TEST_CMD_REQUEST, cmd, "IOMMU_TEST_CMD", [iommu_test_cmd.offsets.dirty + iommu_test_cmd_dirty.offsets.uptr, mark, mark.byteLength]);
  const out = iommu_test_cmd.decode(cmd);
  assert.equal(out.dirty.out_nr_dirty, BigInt(nbits / pteset));
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
    expectErrno("ENOTTY", () => IOMMU_VIOMMU_ALLOC(fd.fd, { type: IOMMU_VIOMMU_TYPE_SELFTEST >>> 0, dev_id: dev.out_idev_id, hwpt_id: parent.id }), "IOMMU_VIOMMU_ALLOC");
    return;
  }
  const viommu = IOMMU_VIOMMU_ALLOC(fd.fd, { type: IOMMU_VIOMMU_TYPE_SELFTEST >>> 0, dev_id: dev.out_idev_id, hwpt_id: parent.id });
  assert.ok(viommu.out_viommu_id > 0);
  const vdev = IOMMU_VDEVICE_ALLOC(fd.fd, { viommu_id: viommu.out_viommu_id, dev_id: dev.out_idev_id, virt_id: 0x99n });
  const q = IOMMU_VEVENTQ_ALLOC(fd.fd, { viommu_id: viommu.out_viommu_id, type: IOMMU_VEVENTQ_TYPE_SELFTEST >>> 0, veventq_depth: 2 });
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
