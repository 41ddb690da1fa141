// IOAS, mapping, ranges, options, mock devices and the extensible-struct rules against the
// real iommufd (CONFIG_IOMMUFD_TEST), as tools/testing/selftests/iommu/iommufd.c covers them.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  IOMMU_DESTROY,
  IOMMU_IOAS_ALLOC,
  IOMMU_IOAS_MAP,
  IOMMU_IOAS_UNMAP,
  IOMMU_OPTION_HUGE_PAGES,
  IOMMU_OPTION_RLIMIT_MODE,
  iommu_destroy,
  iommu_ioas_alloc,
  iommu_ioas_map,
  iommu_ioas_unmap,
} from "#linux/generated/iommufd.js";
import { iommuIoasIovaRanges } from "#linux/generated/iommufd-ioctls.js";
import { IOMMU_TEST_OP_ADD_RESERVED, IOMMU_HW_INFO_SELFTEST_REGVAL, IOMMU_HW_INFO_TYPE_SELFTEST, MOCK_APERTURE_LAST, MOCK_APERTURE_START, MOCK_PAGE_SIZE, iommu_test_hw_info } from "../generated/iommufd_test.js";
import { mmapAnonymous, munmap, native } from "#runtime/native.js";
import { expectErrno, mockDomain, openIommufd, PAGE, testCmd } from "./iommufd-env.js";

const MAX = 2n ** 64n - 1n;

test("IOAS alloc and destroy; an unknown ID is ENOENT", () => {
  using fd = openIommufd();
  const ioas = fd.allocIoas();
  const id = ioas.id;
  assert.ok(id > 0);
  ioas.destroy();
  // The object is dead (the runtime refuses its ID), and the kernel knows the ID no more.
  expectErrno("ENOENT", () => ioas.id);
  expectErrno("ENOENT", () => fd.destroy(id), "IOMMU_DESTROY");
  // Mapped memory must be runtime memory (a failed map leaves it unpinned).
  const ram = mmapAnonymous(PAGE);
  expectErrno("ENOENT", () => fd.map(99999, ram), "IOMMU_IOAS_MAP");
  munmap(ram);
});

test("map and unmap with a kernel-chosen and a fixed IOVA", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  const ram = mmapAnonymous(16 * PAGE);
  const auto = ioas.map(ram);
  assert.equal(auto % BigInt(PAGE), 0n);
  assert.equal(ioas.unmap(auto, BigInt(16 * PAGE)), BigInt(16 * PAGE));
  const fixed = ioas.map(new Uint8Array(ram, 0, 4 * PAGE), { iova: 1n << 24n });
  assert.equal(fixed, 1n << 24n);
  expectErrno("EEXIST", () => ioas.map(new Uint8Array(ram, 0, 4 * PAGE), { iova: 1n << 24n }), "IOMMU_IOAS_MAP");
  assert.equal(ioas.unmap(fixed, BigInt(4 * PAGE)), BigInt(4 * PAGE));
  expectErrno("ENOENT", () => ioas.unmap(fixed, BigInt(4 * PAGE)), "IOMMU_IOAS_UNMAP");
  // JS heap memory can move or be freed while the kernel maps it: refused before the call.
  assert.throws(() => ioas.map(new Uint8Array(PAGE)), TypeError);
  assert.throws(() => ioas.map(Buffer.alloc(PAGE)), TypeError);
});

test("copy between IOASes", () => {
  using fd = openIommufd();
  using src = fd.allocIoas();
  using dst = fd.allocIoas();
  const ram = mmapAnonymous(8 * PAGE);
  const srcIova = src.map(ram);
  const dstIova = fd.copy(dst.id, src.id, srcIova, BigInt(8 * PAGE));
  assert.equal(dst.unmap(dstIova, BigInt(8 * PAGE)), BigInt(8 * PAGE));
  src.unmap(srcIova, BigInt(8 * PAGE));
});

test("IOVA_RANGES: one full range on a fresh IOAS; EMSGSIZE reports the count the kernel needs", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  assert.deepEqual(ioas.iovaRanges(), { ranges: [{ start: 0n, last: MAX }], alignment: 1n });
  // The protocol by hand: no room at all -> EMSGSIZE, num_iovas set to what is needed.
  expectErrno("EMSGSIZE", () => iommuIoasIovaRanges(fd.fd, { ioas_id: ioas.id, num_iovas: 0 }), "IOMMU_IOAS_IOVA_RANGES");
  try {
    iommuIoasIovaRanges(fd.fd, { ioas_id: ioas.id, num_iovas: 0 });
  } catch (err) {
    assert.equal((err as { struct: { num_iovas: number } }).struct.num_iovas, 1);
  }
});

test("a mock device narrows the ranges when attached and they widen when it goes", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  assert.deepEqual(ioas.iovaRanges(), { ranges: [{ start: BigInt(MOCK_APERTURE_START), last: BigInt(MOCK_APERTURE_LAST) }], alignment: BigInt(MOCK_PAGE_SIZE) });
  fd.destroy(dev.out_stdev_id);
  assert.deepEqual(ioas.iovaRanges(), { ranges: [{ start: 0n, last: MAX }], alignment: 1n });
});

test("ALLOW_IOVAS replaces the allowed list, and makes a narrowing attach fail", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  // Allowed IOVA below the mock aperture: attaching the mock would reserve it, and is refused.
  ioas.allowIovas([{ start: 0n, last: BigInt(PAGE * 16 - 1) }]);
  expectErrno("EADDRINUSE", () => mockDomain(fd, ioas.id), "IOMMU_TEST_CMD");
  // A reserved range inside an allowed one is refused the same way (the selftest's allow_iovas).
  expectErrno("EADDRINUSE", () => testCmd(fd, { op: IOMMU_TEST_OP_ADD_RESERVED, id: ioas.id, add_reserved: { start: BigInt(PAGE), length: BigInt(PAGE) } }), "IOMMU_TEST_CMD");
  // Replaced by a list inside the aperture: now the attach is allowed.
  ioas.allowIovas([{ start: BigInt(MOCK_APERTURE_START), last: BigInt(MOCK_APERTURE_START) + BigInt(PAGE * 16 - 1) }]);
  const dev = mockDomain(fd, ioas.id);
  fd.destroy(dev.out_stdev_id);
  // An empty list clears it.
  ioas.allowIovas([]);
});

test("OPTION: huge pages per IOAS, the rlimit mode globally", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  assert.equal(fd.option(IOMMU_OPTION_HUGE_PAGES, undefined, ioas.id), 1n);
  fd.option(IOMMU_OPTION_HUGE_PAGES, 0n, ioas.id);
  assert.equal(fd.option(IOMMU_OPTION_HUGE_PAGES, undefined, ioas.id), 0n);
  assert.equal(fd.option(IOMMU_OPTION_RLIMIT_MODE), 0n);
  expectErrno("EINVAL", () => fd.option(IOMMU_OPTION_HUGE_PAGES, 2n, ioas.id), "IOMMU_OPTION");
});

test("HWPT alloc on a mock device; GET_HW_INFO returns the selftest data", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  const dev = mockDomain(fd, ioas.id);
  using hwpt = fd.allocHwpt(dev.out_idev_id, ioas.id);
  assert.ok(hwpt.id > 0);
  const data = new DataView(new ArrayBuffer(iommu_test_hw_info.size));
  const info = fd.getHwInfo(dev.out_idev_id, data);
  assert.equal(info.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST >>> 0);
  assert.equal(info.data_len, iommu_test_hw_info.size);
  assert.equal(iommu_test_hw_info.decode(data).test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL >>> 0);
  hwpt.destroy();
  fd.destroy(dev.out_stdev_id);
});

/** The selftest's TEST_LENGTH: a struct followed by one extra byte, sent with a chosen size. */
function lengthRules(fd: number, name: string, request: number, size: number, lastEnd: number, init: (dv: DataView) => void): void {
  const buf = new DataView(new ArrayBuffer(size + 1));
  const send = (s: number, extra: number) => {
    init(buf);
    buf.setUint32(0, s, true);
    buf.setUint8(size, extra);
    return native().ioctl(fd, request, buf, name);
  };
  expectErrno("EINVAL", () => send(lastEnd - 1, 0xff));
  expectErrno("E2BIG", () => send(size + 1, 0xff));
  let plain: string | undefined;
  try {
    send(size, 0);
  } catch (err) {
    plain = (err as { code: string }).code;
  }
  // One byte past the struct that is zero is accepted exactly like the struct itself.
  if (plain) expectErrno(plain, () => send(size + 1, 0));
  else assert.equal(send(size + 1, 0), 0);
}

test("extensible structs: size short of the last member is EINVAL, a non-zero byte past it E2BIG, zero accepted", () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  lengthRules(fd.fd, "IOMMU_DESTROY", IOMMU_DESTROY, iommu_destroy.size, 8, (dv) => iommu_destroy.encode({ id: 0 }, dv));
  lengthRules(fd.fd, "IOMMU_IOAS_ALLOC", IOMMU_IOAS_ALLOC, iommu_ioas_alloc.size, 12, (dv) => iommu_ioas_alloc.encode({}, dv));
  lengthRules(fd.fd, "IOMMU_IOAS_MAP", IOMMU_IOAS_MAP, iommu_ioas_map.size, 40, (dv) => iommu_ioas_map.encode({ ioas_id: ioas.id }, dv));
  lengthRules(fd.fd, "IOMMU_IOAS_UNMAP", IOMMU_IOAS_UNMAP, iommu_ioas_unmap.size, 24, (dv) => iommu_ioas_unmap.encode({ ioas_id: ioas.id }, dv));
});
