// What keeps the kernel from using memory or descriptors the process no longer means: memory an
// IOAS maps (or an async call uses) cannot be unmapped, and a closed Iommufd cannot issue
// anything, not even on a file that reuses its number.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IOMMU_OPTION_RLIMIT_MODE } from "#linux/generated/iommufd.js";
import { iommuIoasAlloc } from "#linux/generated/iommufd-ioctls.js";
import { mmapAnonymous, munmap, native } from "#runtime/native.js";
import { expectErrno, openIommufd, PAGE } from "./iommufd-env.js";

const MAX = 2n ** 64n - 1n;

test("mapAsync: munmap is EBUSY while the map is in flight and while it is mapped, and succeeds after unmap", async () => {
  using fd = openIommufd();
  using ioas = fd.allocIoas();
  const length = 64 * PAGE;
  const ram = mmapAnonymous(length);
  const pending = ioas.mapAsync(ram);
  // In flight (the promise cannot have settled: nothing has yielded to the event loop yet): the
  // call pinned the memory before it returned, and the Iommufd cannot be closed under it.
  assert.ok(native().pins(ram) > 0, "pinned while in flight");
  expectErrno("EBUSY", () => munmap(ram));
  expectErrno("EBUSY", () => fd.close());
  assert.equal(fd.closed, false);
  const iova = await pending;
  // Completed: the IOAS maps it; the mapping's pin is the only one left.
  assert.equal(native().pins(ram), 1);
  expectErrno("EBUSY", () => munmap(ram));
  assert.equal(ram.byteLength, length, "still mapped in the process");
  // A view of the same memory mapped again (synchronously) pins it once more.
  const fixed = ioas.map(new Uint8Array(ram, 4 * PAGE, 4 * PAGE), { iova: 1n << 32n });
  assert.equal(native().pins(ram), 2);
  assert.equal(ioas.unmap(iova, BigInt(length)), BigInt(length));
  expectErrno("EBUSY", () => munmap(ram));
  assert.equal(ioas.unmap(fixed, BigInt(4 * PAGE)), BigInt(4 * PAGE));
  // Nothing maps it any more.
  assert.equal(native().pins(ram), 0);
  munmap(ram);
  assert.equal(ram.byteLength, 0, "munmap detaches the buffer");
});

test("mapAsync that the kernel refuses releases its pin", async () => {
  using fd = openIommufd();
  const ram = mmapAnonymous(4 * PAGE);
  await assert.rejects(fd.mapAsync(99999, ram), (err: NodeJS.ErrnoException & { ioctl?: string }) => {
    assert.equal(err.code, "ENOENT");
    assert.equal(err.ioctl, "IOMMU_IOAS_MAP");
    return true;
  });
  assert.equal(native().pins(ram), 0);
  munmap(ram);
});

/** The runtime's EBADF for a closed object: thrown before any ioctl (no ioctl name on it). */
function expectClosed(fn: () => unknown, what: string): void {
  assert.throws(fn, (err: NodeJS.ErrnoException & { ioctl?: string }) => {
    assert.equal(err.code, "EBADF", `${what}: ${err.message}`);
    assert.equal(err.ioctl, undefined, `${what}: the error came from an ioctl`);
    return true;
  });
}

test("a closed Iommufd: every call is EBADF from the runtime and nothing reaches the file that reuses its number", async () => {
  const fd = openIommufd();
  const n = fd.fd;
  const ioas = fd.allocIoas();
  const mapped = mmapAnonymous(4 * PAGE);
  ioas.map(mapped);
  expectErrno("EBUSY", () => munmap(mapped));
  fd.close();
  // The kernel dropped the IOAS and its mappings with the fd: the memory is free again.
  assert.equal(native().pins(mapped), 0);
  munmap(mapped);
  assert.equal(fd.closed, true);
  fd.close(); // closing twice is a no-op

  // The next open takes the lowest free descriptor: the closed one's number.
  using other = openIommufd();
  assert.equal(other.fd, n, "the number is reused");
  // A fresh iommufd numbers its objects from 1, as the closed one did: same IDs.
  using otherIoas = other.allocIoas();
  assert.equal(otherIoas.id, ioas.id);

  const ram = mmapAnonymous(4 * PAGE);
  expectClosed(() => fd.fd, "fd");
  expectClosed(() => fd.allocIoas(), "allocIoas");
  expectClosed(() => fd.destroy(ioas.id), "destroy");
  expectClosed(() => fd.option(IOMMU_OPTION_RLIMIT_MODE), "option");
  expectClosed(() => ioas.map(ram), "map");
  expectClosed(() => ioas.unmap(0n, MAX), "unmap");
  expectClosed(() => ioas.iovaRanges(), "iovaRanges");
  expectClosed(() => iommuIoasAlloc(fd.fd), "IOMMU_IOAS_ALLOC");
  await assert.rejects(ioas.mapAsync(ram), (err: NodeJS.ErrnoException & { ioctl?: string }) => {
    assert.equal(err.code, "EBADF");
    assert.equal(err.ioctl, undefined);
    return true;
  });
  expectClosed(() => ioas.destroy(), "Ioas.destroy");

  // Nothing was pinned for the refused maps ...
  assert.equal(native().pins(ram), 0);
  munmap(ram);
  // ... and nothing was issued on the other file: its IOAS (same ID as the one destroy() named)
  // is alive with nothing mapped, and its next object is the second one.
  assert.deepEqual(otherIoas.iovaRanges(), { ranges: [{ start: 0n, last: MAX }], alignment: 1n });
  assert.equal(otherIoas.unmap(0n, MAX), 0n, "unmap all: nothing mapped");
  using second = other.allocIoas();
  assert.equal(second.id, otherIoas.id + 1);
});
