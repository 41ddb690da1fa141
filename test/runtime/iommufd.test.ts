// The high-level API against a fake kernel: the EMSGSIZE protocol, buffers as user pointers,
// objects released on dispose, extensible-struct errors, fault-queue events, vfio cdev.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { afterEach, test } from "node:test";
import {
  IOMMU_IOAS_MAP_FIXED_IOVA,
  IOMMU_IOAS_MAP_READABLE,
  IOMMU_IOAS_MAP_WRITEABLE,
  iommu_hwpt_page_response,
  iommu_hwpt_pgfault,
  iommu_ioas_allow_iovas,
  iommu_ioas_iova_ranges,
  iommu_ioas_map,
  iommu_iova_range,
  iommu_destroy,
} from "#linux/generated/iommufd.js";
import { vfio_device_attach_iommufd_pt, vfio_device_bind_iommufd } from "#linux/generated/vfio.js";
import { useTransport } from "#runtime/call.js";
import { Iommufd } from "#linux/iommufd.js";
import { mmapAnonymous } from "#runtime/native.js";
import { VfioDevice } from "#linux/vfio.js";
import { FakeKernel, systemError } from "./fake-kernel.js";

afterEach(() => useTransport(undefined));

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

test("iovaRanges follows the EMSGSIZE protocol: grow the array to what the kernel asks, retry", () => {
  const kernel = new FakeKernel();
  const ranges = Array.from({ length: 6 }, (_, i) => ({ start: BigInt(i) << 32n, last: (BigInt(i) << 32n) + 0xffffn }));
  kernel.reply = (seen, arg) => {
    assert.equal(seen.name, "IOMMU_IOAS_IOVA_RANGES");
    const req = iommu_ioas_iova_ranges.decode(arg);
    assert.equal(req.ioas_id, 5);
    if (req.num_iovas < ranges.length) {
      arg.setUint32(iommu_ioas_iova_ranges.offsets.num_iovas, ranges.length, true);
      throw systemError("EMSGSIZE", 90);
    }
    const out = kernel.viewAt(req.allowed_iovas)!;
    ranges.forEach((r, i) => {
      iommu_iova_range.encode(r, out as DataView, i * iommu_iova_range.size);
    });
    arg.setUint32(iommu_ioas_iova_ranges.offsets.num_iovas, ranges.length, true);
    arg.setBigUint64(iommu_ioas_iova_ranges.offsets.out_iova_alignment, 4096n, true);
    return 0;
  };
  useTransport(kernel);
  const result = new Iommufd(9, false).iovaRanges(5);
  assert.deepEqual(result, { ranges, alignment: 4096n });
  // First with room for 4, then with room for the 6 the kernel asked for.
  assert.deepEqual(kernel.seen.map((s) => iommu_ioas_iova_ranges.decode(view(s.bytes)).num_iovas), [4, 6]);
});

test("allowIovas passes the ranges through a buffer and sets num_iovas from it", () => {
  const kernel = new FakeKernel();
  useTransport(kernel);
  new Iommufd(9, false).allowIovas(3, [{ start: 0x1000n, last: 0x1fffn }, { start: 0x10000n, last: 0x1ffffn }]);
  const sent = iommu_ioas_allow_iovas.decode(view(kernel.seen[0]!.bytes));
  assert.equal(sent.size, iommu_ioas_allow_iovas.size);
  assert.equal(sent.num_iovas, 2);
  const ranges = kernel.viewAt(sent.allowed_iovas) as DataView;
  assert.deepEqual([0, 1].map((i) => iommu_iova_range.decode(ranges, i * 16)), [{ start: 0x1000n, last: 0x1fffn }, { start: 0x10000n, last: 0x1ffffn }]);
});

test("map of runtime memory: its address and length, flags from the options; fixed IOVA when given; a JS heap buffer is refused", () => {
  const kernel = new FakeKernel();
  kernel.reply = (_seen, arg) => {
    if ((arg.getUint32(4, true) & IOMMU_IOAS_MAP_FIXED_IOVA) === 0) arg.setBigUint64(iommu_ioas_map.offsets.iova, 0xabc000n, true);
    return 0;
  };
  useTransport(kernel);
  const memory = new Uint8Array(mmapAnonymous(8192));
  const fd = new Iommufd(9, false);
  // The IOAS keeps using mapped memory after the call: memory the collector may free is refused.
  assert.throws(() => fd.map(1, Buffer.alloc(8192)), { name: "TypeError", message: /user_va must be memory from mmapAnonymous\(\)/ });
  assert.equal(fd.map(1, memory), 0xabc000n);
  assert.equal(fd.map(1, memory, { iova: 0x100000n, writeable: false }), 0x100000n);
  const [auto, fixed] = kernel.seen.map((s) => iommu_ioas_map.decode(view(s.bytes)));
  assert.equal(auto!.user_va, kernel.addresses.get(memory));
  assert.equal(auto!.length, 8192n);
  assert.equal(auto!.flags, IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
  assert.equal(fixed!.flags, IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE);
  assert.equal(fixed!.iova, 0x100000n);
});

test("mapAsync maps runtime-mmapped memory on the thread pool", async () => {
  const kernel = new FakeKernel();
  kernel.reply = (_seen, arg) => (arg.setBigUint64(iommu_ioas_map.offsets.iova, 0x200000n, true), 0);
  useTransport(kernel);
  const ram = mmapAnonymous(1 << 20);
  assert.equal(await new Iommufd(9, false).mapAsync(1, ram), 0x200000n);
  const sent = iommu_ioas_map.decode(view(kernel.seen[0]!.bytes));
  assert.equal(sent.length, BigInt(1 << 20));
  assert.ok(sent.user_va !== 0n);
});

test("objects release their kernel object on dispose, once", () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "IOMMU_IOAS_ALLOC") arg.setUint32(8, 11, true);
    return 0;
  };
  useTransport(kernel);
  const ioas = new Iommufd(9, false).allocIoas();
  assert.equal(ioas.id, 11);
  ioas[Symbol.dispose]();
  ioas[Symbol.dispose]();
  const destroys = kernel.seen.filter((s) => s.name === "IOMMU_DESTROY");
  assert.equal(destroys.length, 1);
  assert.deepEqual(iommu_destroy.decode(view(destroys[0]!.bytes)), { size: 8, id: 11 });
});

test("extensible-struct errors say what they mean, and carry the struct as the kernel left it", () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen) => {
    throw systemError(seen.name === "IOMMU_IOAS_MAP" ? "E2BIG" : "EOPNOTSUPP", 7);
  };
  useTransport(kernel);
  const fd = new Iommufd(9, false);
  assert.throws(() => fd.map(1, new Uint8Array(mmapAnonymous(4096))), (err: Error & { code: string; ioctl: string; struct: { length: bigint } }) => {
    assert.equal(err.code, "E2BIG");
    assert.equal(err.ioctl, "IOMMU_IOAS_MAP");
    assert.match(err.message, /IOMMU_IOAS_MAP: the kernel does not know members set in this struct \(the header is newer than the kernel\)/);
    assert.equal(err.struct.length, 4096n);
    return true;
  });
  assert.throws(() => fd.option(0), /IOMMU_OPTION: the kernel does not support this ioctl, flag or type/);
});

test("fault queue: reads decode into typed events, responses are written back", () => {
  const fifo = `/tmp/uapigen-fault-${process.pid}`;
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const qfd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  fs.rmSync(fifo);
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "IOMMU_FAULT_QUEUE_ALLOC") {
      arg.setUint32(8, 21, true);
      arg.setUint32(12, qfd, true);
    }
    return 0;
  };
  useTransport(kernel);
  const queue = new Iommufd(9, false).allocFaultQueue();
  assert.equal(queue.read().length, 0, "empty queue");
  const records = new DataView(new ArrayBuffer(2 * iommu_hwpt_pgfault.size));
  iommu_hwpt_pgfault.encode({ dev_id: 1, pasid: 0, addr: 0x5000n, length: 4096, cookie: 77, perm: 1 }, records, 0);
  iommu_hwpt_pgfault.encode({ dev_id: 1, addr: 0x6000n, length: 4096, cookie: 78 }, records, iommu_hwpt_pgfault.size);
  fs.writeSync(qfd, new Uint8Array(records.buffer));
  const faults = queue.read();
  assert.deepEqual(faults.map((f) => [f.addr, f.cookie, f.perm]), [[0x5000n, 77, 1], [0x6000n, 78, 0]]);
  queue.respond(77, 0);
  const answer = new Uint8Array(iommu_hwpt_page_response.size);
  fs.readSync(qfd, answer);
  assert.deepEqual(iommu_hwpt_page_response.decode(view(answer)), { cookie: 77, code: 0 });
  queue.destroy();
  assert.ok(kernel.seen.some((s) => s.name === "IOMMU_DESTROY" && iommu_destroy.decode(view(s.bytes)).id === 21));
});

test("vfio cdev: bind to an iommufd, attach and detach a page table", () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "VFIO_DEVICE_BIND_IOMMUFD") arg.setUint32(vfio_device_bind_iommufd.offsets.out_devid, 3, true);
    return 0;
  };
  useTransport(kernel);
  const dev = new VfioDevice(30, false);
  assert.equal(dev.bind(new Iommufd(9, false)), 3);
  assert.equal(dev.attach(11), 11);
  dev.detach();
  const bind = vfio_device_bind_iommufd.decode(view(kernel.seen[0]!.bytes));
  assert.equal(bind.argsz, vfio_device_bind_iommufd.size);
  assert.equal(bind.iommufd, 9);
  assert.equal(bind.token_uuid_ptr, 0n);
  const attach = vfio_device_attach_iommufd_pt.decode(view(kernel.seen[1]!.bytes));
  assert.deepEqual([attach.argsz, attach.pt_id, attach.flags], [vfio_device_attach_iommufd_pt.size, 11, 0]);
  assert.deepEqual(kernel.seen.map((s) => s.fd), [30, 30, 30]);
});
