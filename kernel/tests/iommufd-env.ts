// What the guest tests share: /dev/iommu, and the iommufd test mock through the bindings uapigen
// generated from drivers/iommu/iommufd/iommufd_test.h.
import assert from "node:assert/strict";
import os from "node:os";
import { iommuTestCmd } from "../generated/iommufd_test-ioctls.js";
import { IOMMU_TEST_OP_MOCK_DOMAIN, iommu_test_cmd, type IommuTestCmdInit } from "../generated/iommufd_test.js";
import { Iommufd } from "#linux/iommufd.js";

export const PAGE = 4096;

export function openIommufd(): Iommufd {
  return Iommufd.open("/dev/iommu");
}

/**
 * Whether the bindings know iommu_test_cmd.size as its size member: then the typed call sets it
 * (and refuses one from the caller); bindings generated before that take it from the caller.
 */
const TEST_CMD_SIZED_BY_RUNTIME = (iommu_test_cmd as { sizeMember?: string }).sizeMember !== undefined;

/** IOMMU_TEST_CMD with the size filled (the selftest's `.size = sizeof(cmd)`). */
export function testCmd(fd: Iommufd, cmd: IommuTestCmdInit) {
  return iommuTestCmd(fd.fd, TEST_CMD_SIZED_BY_RUNTIME ? cmd : { size: iommu_test_cmd.size, ...cmd });
}

/** A mock device attached to `ioasId` through a mock domain. */
export function mockDomain(fd: Iommufd, ioasId: number) {
  return testCmd(fd, { op: IOMMU_TEST_OP_MOCK_DOMAIN, id: ioasId, mock_domain: {} }).mock_domain;
}

/** Runs `fn` and checks it fails with `code` (a Node-style system error from the shim). */
export function expectErrno(code: string, fn: () => unknown, ioctl?: string): void {
  assert.throws(fn, (err: NodeJS.ErrnoException & { ioctl?: string }) => {
    assert.equal(err.code, code, err.message);
    if (ioctl) assert.equal(err.ioctl, ioctl);
    return true;
  });
}

/** The running kernel's [major, minor]. */
export function kernelVersion(): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(os.release())!;
  return [Number(m[1]), Number(m[2])];
}

export function atLeast(major: number, minor: number): boolean {
  const [a, b] = kernelVersion();
  return a > major || (a === major && b >= minor);
}

/** What the kernels under test have (6.12 and 7.3): newer ioctls fail there with ENOTTY. */
export const HAS = {
  mapFile: atLeast(6, 13),
  viommu: atLeast(6, 13),
  /** struct iommu_hwpt_selftest.pagetable_type, for mock paging domains (7.x). */
  mockPagetableType: atLeast(7, 0),
};
