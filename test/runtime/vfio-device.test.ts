// VfioDevice against a fake kernel: info and region capability chains decoded into typed objects,
// IRQ sets with the count taken from the eventfds given, the hot-reset ENOSPC protocol, device
// features with typed payloads, and regions read, written and mmapped (a temporary file stands in
// for the device fd, so pread, pwrite and mmap are real).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";
import {
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
  VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
  VFIO_DEVICE_FEATURE_MIGRATION,
  VFIO_DEVICE_FEATURE_PROBE,
  VFIO_DEVICE_FEATURE_SET,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_PCI_HOT_RESET_FLAG_DEV_ID,
  VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED,
  VFIO_PCI_MSI_IRQ_INDEX,
  vfio_device_attach_iommufd_pt,
  vfio_device_feature,
  vfio_device_info,
  vfio_irq_info,
  vfio_irq_set,
  vfio_pci_dependent_device,
  vfio_pci_hot_reset_info,
  vfio_region_info,
} from "#linux/generated/vfio.js";
import { useTransport } from "#runtime/call.js";
import { EventFd } from "#runtime/eventfd.js";
import { native } from "#runtime/native.js";
import { PCI_CAP_ID_MSI, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, VfioDevice } from "#linux/vfio.js";
import { FakeKernel, systemError } from "./fake-kernel.js";

afterEach(() => useTransport(undefined));

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Region flags: READ | WRITE | MMAP and so on. */
const R = 1, W = 2, M = 4;

interface FakeRegion {
  offset: number;
  size: number;
  flags: number;
  /** The capability chain's bytes, written after the struct when argsz has room. */
  chain?: Uint8Array;
}

/** A device file (a temporary file) and a fake kernel answering the vfio ioctls for it. */
function fakeDevice(regions: FakeRegion[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-vfio-"));
  const file = path.join(dir, "device");
  fs.writeFileSync(file, new Uint8Array(Math.max(...regions.map((r) => r.offset + r.size))));
  const kernel = new FakeKernel();
  const answers: Record<string, (arg: DataView) => number> = {
    VFIO_DEVICE_GET_REGION_INFO(arg) {
      const r = regions[vfio_region_info.decode(arg).index];
      if (!r) throw systemError("EINVAL", 22);
      const o = vfio_region_info.offsets;
      arg.setUint32(o.flags!, r.flags | (r.chain ? 8 : 0), true);
      arg.setBigUint64(o.size!, BigInt(r.size), true);
      arg.setBigUint64(o.offset!, BigInt(r.offset), true);
      if (r.chain) {
        if (arg.byteLength < vfio_region_info.size + r.chain.length) arg.setUint32(0, vfio_region_info.size + r.chain.length, true);
        else {
          new Uint8Array(arg.buffer, arg.byteOffset + vfio_region_info.size).set(r.chain);
          arg.setUint32(o.cap_offset!, vfio_region_info.size, true);
        }
      }
      return 0;
    },
  };
  kernel.reply = (seen, arg) => answers[seen.name]?.(arg) ?? 0;
  useTransport(kernel);
  const device = new VfioDevice(fs.openSync(file, "r+"));
  return { device, kernel, file, answers, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A capability: header (id, version, next) and payload, `next` relative to the struct's start. */
function capability(id: number, next: number, payload: number[]): Uint8Array {
  const bytes = new Uint8Array(8 + payload.length * 4);
  const dv = view(bytes);
  dv.setUint16(0, id, true);
  dv.setUint16(2, 1, true);
  dv.setUint32(4, next, true);
  payload.forEach((v, i) => {
    dv.setUint32(8 + i * 4, v, true);
  });
  return bytes;
}

test("region(): the capability chain (sparse mmap, type, MSI-X mappable) as typed objects", () => {
  const sparse = capability(1, vfio_region_info.size + 48, [2, 0, 0x1000, 0, 0x1000, 0, 0x4000, 0, 0x2000, 0]);
  const type = capability(2, vfio_region_info.size + 64, [0x80000001, 3]);
  const msix = capability(3, 0, []);
  const chain = new Uint8Array(sparse.length + type.length + msix.length);
  chain.set(sparse);
  chain.set(type, sparse.length);
  chain.set(msix, sparse.length + type.length);
  const { device, kernel, cleanup } = fakeDevice([{ offset: 0, size: 0x8000, flags: R | W | M, chain }]);
  try {
    const info = device.region(0);
    assert.deepEqual(info.capabilities, [
      { kind: "sparse-mmap", areas: [{ offset: 0x1000n, size: 0x1000n }, { offset: 0x4000n, size: 0x2000n }] },
      { kind: "type", type: 0x80000001, subtype: 3 },
      { kind: "msix-mappable" },
    ]);
    assert.deepEqual([info.readable, info.writable, info.mappable, info.size, info.offset], [true, true, true, 0x8000n, 0n]);
    // Asked with the struct alone, then with the room the kernel asked for.
    assert.deepEqual(kernel.seen.map((s) => s.bytes.length), [vfio_region_info.size, vfio_region_info.size + chain.length]);
    // Sparse areas bound what may be mapped.
    assert.throws(() => device.mmap(0), { name: "RangeError", message: /outside its sparse-mmap areas/ });
    using area = device.mmap(0, { offset: 0x4000n, length: 0x2000n });
    assert.equal(area.length, 0x2000);
    const all = device.mmapAll(0);
    assert.deepEqual(all.map((m) => [m.offset, m.length]), [[0x1000n, 0x1000], [0x4000n, 0x2000]]);
  } finally {
    device.close();
    cleanup();
  }
});

test("info(): flags and the device capability chain; irqInfo() decoded", () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "VFIO_DEVICE_GET_INFO") {
      const o = vfio_device_info.offsets;
      arg.setUint32(o.flags!, 1 | 2 | 0x80, true);
      arg.setUint32(o.num_regions!, 9, true);
      arg.setUint32(o.num_irqs!, 5, true);
      const cap = capability(5, 0, [0x3, 0]);
      if (arg.byteLength < vfio_device_info.size + cap.length) arg.setUint32(0, vfio_device_info.size + cap.length, true);
      else {
        new Uint8Array(arg.buffer, arg.byteOffset + vfio_device_info.size).set(cap);
        arg.setUint32(o.cap_offset!, vfio_device_info.size, true);
      }
    }
    if (seen.name === "VFIO_DEVICE_GET_IRQ_INFO") {
      arg.setUint32(vfio_irq_info.offsets.flags!, 1 | 2 | 4, true);
      arg.setUint32(vfio_irq_info.offsets.count!, 1, true);
    }
    return 0;
  };
  useTransport(kernel);
  const device = new VfioDevice(30, false);
  assert.deepEqual(device.info(), { flags: 0x83, numRegions: 9, numIrqs: 5, resettable: true, pci: true, capabilities: [{ kind: "pci-atomic-comp", flags: 3 }] });
  assert.deepEqual(device.irqInfo(0), { index: 0, flags: 7, count: 1, eventfd: true, maskable: true, automasked: true, noresize: false });
});

test("IRQs: eventfds become the trailing fds, the count is theirs; none, unmask, trigger and disable", () => {
  const kernel = new FakeKernel();
  useTransport(kernel);
  const device = new VfioDevice(30, false);
  using a = new EventFd();
  using b = new EventFd();
  device.enableIrqs(VFIO_PCI_MSI_IRQ_INDEX, [a, null, b]);
  device.unmaskIrqs(0);
  device.triggerIrqs(VFIO_PCI_MSI_IRQ_INDEX, 2);
  device.disableIrqs(VFIO_PCI_MSI_IRQ_INDEX);
  const [enable, unmask, trigger, disable] = kernel.seen.map((s) => ({ ...vfio_irq_set.decode(view(s.bytes)), data: [...new Int32Array(s.bytes.slice(vfio_irq_set.size).buffer)], length: s.bytes.length }));
  assert.deepEqual(enable, { argsz: vfio_irq_set.size + 12, flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 1, start: 0, count: 3, data: [a.fd, -1, b.fd], length: vfio_irq_set.size + 12 });
  assert.deepEqual([unmask!.flags, unmask!.index, unmask!.count, unmask!.data], [VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, []]);
  assert.deepEqual([trigger!.flags, trigger!.start, trigger!.count], [VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 2, 1]);
  assert.deepEqual([disable!.flags, disable!.count, disable!.length], [VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, vfio_irq_set.size]);
  // A closed EventFd cannot be wired: its number may belong to another file by now.
  a.close();
  assert.throws(() => device.enableIrqs(1, [a]), { code: "EBADF" });
});

test("hotResetInfo(): ENOSPC with the count needed, grow, ask again; devices decoded", () => {
  const kernel = new FakeKernel();
  const devices = Array.from({ length: 6 }, (_, i) => ({ devid: 10 + i, segment: 0, bus: 1, devfn: (i << 3) | 1 }));
  kernel.reply = (_seen, arg) => {
    const room = Math.floor((arg.byteLength - vfio_pci_hot_reset_info.size) / vfio_pci_dependent_device.size);
    arg.setUint32(vfio_pci_hot_reset_info.offsets.count!, devices.length, true);
    if (room < devices.length) throw systemError("ENOSPC", 28);
    arg.setUint32(vfio_pci_hot_reset_info.offsets.flags!, VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, true);
    devices.forEach((d, i) => {
      vfio_pci_dependent_device.encode(d, arg, vfio_pci_hot_reset_info.size + i * vfio_pci_dependent_device.size);
    });
    return 0;
  };
  useTransport(kernel);
  const info = new VfioDevice(30, false).hotResetInfo();
  assert.deepEqual(kernel.seen.map((s) => s.bytes.length), [4, 6].map((n) => vfio_pci_hot_reset_info.size + n * vfio_pci_dependent_device.size));
  assert.equal(info.owned, true);
  assert.deepEqual(info.devices[5], { segment: 0, bus: 1, devfn: 0x29, address: "0000:01:05.1", devid: 15 });
});

test("features: probe, get and set with typed payloads inside argsz", () => {
  const kernel = new FakeKernel();
  kernel.reply = (_seen, arg) => {
    const flags = vfio_device_feature.decode(arg).flags;
    if ((flags & 0xffff) === VFIO_DEVICE_FEATURE_MIGRATION && flags & VFIO_DEVICE_FEATURE_PROBE) throw systemError("ENOTTY", 25);
    if (flags & VFIO_DEVICE_FEATURE_GET) arg.setBigUint64(vfio_device_feature.size, 0x5n, true);
    return 0;
  };
  useTransport(kernel);
  const device = new VfioDevice(30, false);
  assert.equal(device.probeFeature("migration", { get: true }), false);
  assert.equal(device.probeFeature("lowPowerEntry", { set: true }), true);
  assert.deepEqual(device.getFeature("migration"), { flags: 5n });
  device.setFeature("lowPowerEntry");
  device.setFeature("lowPowerEntryWithWakeup", { wakeup_eventfd: 7 });
  const sent = kernel.seen.map((s) => ({ ...vfio_device_feature.decode(view(s.bytes)), payload: s.bytes.slice(vfio_device_feature.size) }));
  assert.deepEqual(sent.map((s) => s.flags), [
    VFIO_DEVICE_FEATURE_MIGRATION | VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
    VFIO_DEVICE_FEATURE_MIGRATION | VFIO_DEVICE_FEATURE_GET,
    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | VFIO_DEVICE_FEATURE_SET,
    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP | VFIO_DEVICE_FEATURE_SET,
  ]);
  assert.deepEqual(sent.map((s) => s.argsz), [16, 16, 24, 16, 24].map((n) => n - 16 + vfio_device_feature.size));
  assert.deepEqual([...sent[4]!.payload], [7, 0, 0, 0, 0, 0, 0, 0]);
  // Anything but ENOTTY/EINVAL is an error, not "unsupported".
  kernel.reply = () => {
    throw systemError("EIO", 5);
  };
  assert.throws(() => device.probeFeature("busMaster"), { code: "EIO", ioctl: "VFIO_DEVICE_FEATURE" });
});

test("regions: pread/pwrite at the region's offset, bounded by its size; PCI config helpers", () => {
  const { device, kernel, file, cleanup } = fakeDevice([{ offset: 0, size: 0x1000, flags: R | W | M }, ...Array(6).fill({ offset: 0, size: 0, flags: 0 }), { offset: 0x2000, size: 256, flags: R | W }]);
  try {
    // Config space: vendor 1234, device 11e8, command MEMORY, status CAP_LIST, an MSI capability at 0x40.
    const config = new Uint8Array(256);
    const c = view(config);
    c.setUint16(0, 0x1234, true);
    c.setUint16(2, 0x11e8, true);
    c.setUint16(4, PCI_COMMAND_MEMORY, true);
    c.setUint16(6, 0x10, true);
    config[0x34] = 0x40;
    config[0x40] = PCI_CAP_ID_MSI;
    config[0x41] = 0x40; // next: itself, a loop the walk must end
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, config, 0, 256, 0x2000);
    assert.deepEqual([device.pci.vendorId, device.pci.deviceId], [0x1234, 0x11e8]);
    assert.deepEqual(device.pci.capabilities(), [{ id: PCI_CAP_ID_MSI, offset: 0x40 }]);
    device.pci.enableBusMaster();
    const back = Buffer.alloc(2);
    fs.readSync(fd, back, 0, 2, 0x2004);
    assert.equal(back.readUInt16LE(0), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, "read-modify-write of the command register");
    fs.closeSync(fd);
    device.write(0, 0x10, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...device.read(0, 0x10, 3)], [1, 2, 3]);
    assert.throws(() => device.read(7, 250, 8), { name: "RangeError", message: /outside its 0x100 bytes/ });
    assert.throws(() => device.read(1, 0, 1), { name: "TypeError", message: /not readable/ });
    // Region info is asked once per region for reads and writes: offsets do not change.
    assert.equal(kernel.seen.filter((s) => s.name === "VFIO_DEVICE_GET_REGION_INFO").length, 3);
  } finally {
    device.close();
    cleanup();
  }
});

test("mmap: runtime memory over the region, aligned accesses of their width, unmapped by the device's close", () => {
  const { device, file, cleanup } = fakeDevice([{ offset: 0x1000, size: 0x2000, flags: R | W | M }, { offset: 0, size: 0x1000, flags: R | M }]);
  try {
    const bar = device.mmap(0);
    bar.write32(0x4, 0xdeadbeef);
    bar.write64(0x8, 0x0123456789abcdefn);
    assert.equal(bar.read32(0x4), 0xdeadbeef);
    assert.equal(bar.read16(0x4), 0xbeef);
    const bytes = fs.readFileSync(file).subarray(0x1004, 0x1008);
    assert.equal(Buffer.from(bytes).readUInt32LE(0), 0xdeadbeef, "shared: the file sees the store");
    assert.throws(() => bar.read32(0x2), { name: "RangeError", message: /not 4-byte aligned/ });
    assert.throws(() => bar.read32(0x2000), { name: "RangeError", message: /outside the mapping/ });
    assert.throws(() => device.mmap(0, { offset: 0x800n }), { name: "RangeError", message: /page-aligned/ });
    assert.throws(() => device.mmap(1), { name: "TypeError", message: /not readable and writable/ });
    // A mapping the kernel pins stays mapped through close (EBUSY), then goes with its last pin.
    const pinned = device.mmap(0, { length: 0x1000n });
    const pin = native().pin(new Uint8Array(pinned.buffer), 0x1000)!;
    device.close();
    assert.equal(bar.mapped, false);
    assert.throws(() => bar.read32(0), { code: "EBADF" });
    assert.equal(pinned.mapped, true);
    native().unpin(pin);
    pinned.unmap();
    assert.equal(pinned.mapped, false);
  } finally {
    device.close();
    cleanup();
  }
});

test("close detaches the page table it attached, then closes", () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "VFIO_DEVICE_ATTACH_IOMMUFD_PT") arg.setUint32(vfio_device_attach_iommufd_pt.offsets.pt_id!, 12, true);
    return 0;
  };
  useTransport(kernel);
  const device = new VfioDevice(30, false);
  assert.equal(device.attach({ id: 12 }), 12);
  device.close();
  assert.deepEqual(kernel.seen.map((s) => s.name), ["VFIO_DEVICE_ATTACH_IOMMUFD_PT", "VFIO_DEVICE_DETACH_IOMMUFD_PT"]);
  assert.throws(() => device.info(), { code: "EBADF" });
});

test("regions(): every index num_regions counts; the VGA region's EINVAL on a PCI device leaves it out", () => {
  const bars = Array.from({ length: 8 }, (_, i) => ({ offset: i * 0x1000, size: i === 0 ? 0x1000 : 0, flags: i === 0 ? R | W | M : 0 }));
  const { device, answers, cleanup } = fakeDevice(bars);
  try {
    answers.VFIO_DEVICE_GET_INFO = (arg) => {
      arg.setUint32(vfio_device_info.offsets.flags!, 2, true); // VFIO_DEVICE_FLAGS_PCI
      arg.setUint32(vfio_device_info.offsets.num_regions!, 9, true);
      return 0;
    };
    assert.deepEqual(device.regions().map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
    // Anywhere else, and any other error, is the kernel's answer.
    answers.VFIO_DEVICE_GET_INFO = (arg) => (arg.setUint32(vfio_device_info.offsets.num_regions!, 9, true), 0);
    assert.throws(() => device.regions(), { code: "EINVAL", ioctl: "VFIO_DEVICE_GET_REGION_INFO" });
  } finally {
    device.close();
    cleanup();
  }
});
