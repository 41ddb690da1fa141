// A real PCI device through vfio-pci and iommufd: QEMU's edu behind the emulated Intel VT-d.
// Everything goes through the bindings and the runtime: bind, attach, region and IRQ info, BAR0
// through an mmap, DMA between the device and two mapped IOVAs with completion as an MSI on an
// eventfd, the IOMMU blocking a DMA from an unmapped IOVA, interrupts, reset and typed errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  VFIO_PCI_BAR0_REGION_INDEX,
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_INTX_IRQ_INDEX,
  VFIO_PCI_MSI_IRQ_INDEX,
  VFIO_PCI_MSIX_IRQ_INDEX,
} from "#linux/generated/vfio.js";
import { Iommufd } from "#linux/iommufd.js";
import { PCI_CAP_ID_MSI, PCI_COMMAND_MASTER, VfioDevice } from "#linux/vfio.js";
import { EventFd } from "#runtime/eventfd.js";
import { mmapAnonymous, native } from "#runtime/native.js";
import { DMA_IRQ_STATUS, Edu, EDU_ID, eduAddresses, KernelLog } from "./edu.js";
import { IRQ_TIMEOUT_MS, openDevice } from "./vfio-env.js";
import { expectErrno } from "../tests/iommufd-env.js";

const { root: EDU, behindPort: EDU_BEHIND_PORT } = eduAddresses();
const MiB = 1n << 20n;
const SOON = () => ({ signal: AbortSignal.timeout(IRQ_TIMEOUT_MS) });

/** The root-bus edu (or another), bound to a fresh iommufd and attached to a fresh IOAS. */
function openEdu(address = EDU) {
  assert.ok(address, "the VM has an edu device bound to vfio-pci (vfio_pci.ids=1234:11e8)");
  return openDevice(address);
}

test("bind, attach; device, region and IRQ info as the kernel reports them", () => {
  using edu = openEdu();
  const { device } = edu;
  assert.ok(device.devId! > 0);
  const info = device.info();
  assert.equal(info.pci, true);
  assert.equal(info.numRegions, 9);
  assert.equal(info.numIrqs, 5);
  const bar0 = device.region(VFIO_PCI_BAR0_REGION_INDEX);
  assert.deepEqual([bar0.size, bar0.readable, bar0.writable, bar0.mappable, bar0.capabilities], [MiB, true, true, true, []]);
  assert.equal(bar0.offset, 0n);
  const config = device.region(VFIO_PCI_CONFIG_REGION_INDEX);
  assert.deepEqual([config.size, config.readable, config.writable, config.mappable, config.capabilities], [256n, true, true, false, []]);
  assert.equal(config.offset, 7n << 40n);
  // BAR1-5 are not implemented: zero-sized, no flags.
  for (const index of [1, 2, 3, 4, 5]) assert.deepEqual([device.region(index).size, device.region(index).flags], [0n, 0]);
  const intx = device.irqInfo(VFIO_PCI_INTX_IRQ_INDEX);
  assert.deepEqual([intx.count, intx.eventfd, intx.maskable, intx.automasked], [1, true, true, true]);
  const msi = device.irqInfo(VFIO_PCI_MSI_IRQ_INDEX);
  assert.deepEqual([msi.count, msi.eventfd, msi.noresize], [1, true, true]);
  assert.equal(device.irqInfo(VFIO_PCI_MSIX_IRQ_INDEX).count, 0, "edu has no MSI-X");
  assert.deepEqual([device.pci.vendorId, device.pci.deviceId], [0x1234, 0x11e8]);
  assert.ok(device.pci.capability(PCI_CAP_ID_MSI) !== undefined, "edu's config space lists MSI");
});

test("BAR0 through an mmap: identification, liveness, factorial", async () => {
  using edu = openEdu();
  using bar = edu.device.mmap(VFIO_PCI_BAR0_REGION_INDEX);
  const regs = new Edu(bar);
  assert.equal(regs.id, EDU_ID);
  assert.equal(regs.liveness(0x12345678), ~0x12345678 >>> 0);
  assert.equal(await regs.factorial(10), 3628800);
  // The same register through pread of the region.
  const id = edu.device.read(VFIO_PCI_BAR0_REGION_INDEX, 0, 4);
  assert.equal(new DataView(id.buffer).getUint32(0, true), EDU_ID);
});

test("DMA RAM -> device -> RAM through two mapped IOVAs, completion as an MSI on an eventfd", async () => {
  using edu = openEdu();
  const { device, ioas } = edu;
  using bar = device.mmap(VFIO_PCI_BAR0_REGION_INDEX);
  const regs = new Edu(bar);
  device.pci.enableBusMaster();
  assert.ok(device.pci.command & PCI_COMMAND_MASTER);
  const src = mmapAnonymous(4096);
  const dst = mmapAnonymous(4096);
  const srcIova = ioas.map(src, { iova: 0x100000n });
  const dstIova = ioas.map(dst, { iova: 0x200000n });
  assert.deepEqual([srcIova, dstIova], [0x100000n, 0x200000n]);
  const pattern = Uint8Array.from({ length: 2048 }, (_, i) => (i * 7 + 3) & 0xff);
  new Uint8Array(src).set(pattern);
  using msi = new EventFd();
  device.enableIrqs(VFIO_PCI_MSI_IRQ_INDEX, [msi]);
  await regs.dma(srcIova, 0, pattern.length);
  regs.startDma(dstIova, 0, pattern.length, { toRam: true, irq: true });
  assert.equal(await msi.wait(SOON()), 1n, "one MSI");
  assert.ok(regs.irqStatus & DMA_IRQ_STATUS);
  regs.ackIrq(DMA_IRQ_STATUS);
  assert.deepEqual(new Uint8Array(dst, 0, pattern.length), pattern);
  device.disableIrqs(VFIO_PCI_MSI_IRQ_INDEX);
  // The mappings pinned the memory; unmapping gives back what was mapped and the pins.
  assert.equal(native().pins(src), 1);
  assert.equal(ioas.unmapAll(), 8192n);
  assert.equal(native().pins(src), 0);
});

test("after unmap, a DMA from that IOVA does not read the process's memory: the IOMMU blocks it", async () => {
  using edu = openEdu();
  const { device, ioas } = edu;
  using bar = device.mmap(VFIO_PCI_BAR0_REGION_INDEX);
  const regs = new Edu(bar);
  device.pci.enableBusMaster();
  const secret = mmapAnonymous(4096);
  const out = mmapAnonymous(4096);
  const secretIova = ioas.map(secret, { iova: 0x100000n });
  const outIova = ioas.map(out, { iova: 0x200000n });
  const marker = new Uint8Array(1024).fill(0x5a);
  new Uint8Array(out).set(marker);
  new Uint8Array(secret).fill(0xc3);
  // The device buffer holds the marker; then the secret's IOVA goes away, the memory stays.
  await regs.dma(outIova, 0, marker.length);
  assert.equal(ioas.unmap(secretIova, 4096n), 4096n);
  assert.ok(new Uint8Array(secret).every((b) => b === 0xc3), "the process still has its memory");
  const log = new KernelLog();
  await regs.dma(secretIova, 0, marker.length);
  new Uint8Array(out).fill(0);
  await regs.dma(outIova, 0, marker.length, true);
  const seen = new Uint8Array(out, 0, marker.length);
  assert.ok(!seen.some((b) => b === 0xc3), "no byte of the unmapped memory reached the device");
  // The guest's VT-d driver reports the blocked read at the unmapped IOVA.
  const faults = log.read().filter((l) => /DMAR/.test(l) && /fault addr 0x100000/i.test(l));
  log.close();
  assert.ok(faults.length > 0, "a DMAR fault for the unmapped IOVA was logged");
});

test("interrupts: MSI and INTx reach eventfds (loopback and the device's own), INTx is unmasked", async () => {
  using edu = openEdu();
  const { device } = edu;
  using bar = device.mmap(VFIO_PCI_BAR0_REGION_INDEX);
  const regs = new Edu(bar);
  using msi = new EventFd();
  device.enableIrqs(VFIO_PCI_MSI_IRQ_INDEX, [msi]);
  device.triggerIrqs(VFIO_PCI_MSI_IRQ_INDEX);
  assert.equal(await msi.wait(SOON()), 1n, "loopback MSI");
  device.disableIrqs(VFIO_PCI_MSI_IRQ_INDEX);
  // INTx: level-triggered, so vfio masks it after each interrupt until userspace unmasks it.
  using intx = new EventFd();
  device.enableIrqs(VFIO_PCI_INTX_IRQ_INDEX, [intx]);
  regs.raiseIrq(0x1);
  assert.equal(await intx.wait(SOON()), 1n, "the device's INTx");
  regs.ackIrq(0x1);
  device.unmaskIrqs(VFIO_PCI_INTX_IRQ_INDEX);
  regs.raiseIrq(0x2);
  assert.equal(await intx.wait(SOON()), 1n, "INTx again after unmask");
  regs.ackIrq(0x2);
  device.unmaskIrqs(VFIO_PCI_INTX_IRQ_INDEX);
  device.disableIrqs(VFIO_PCI_INTX_IRQ_INDEX);
});

test("reset: the root-bus edu cannot be reset; the one behind a root port is, and its BAR maps again", async () => {
  {
    using edu = openEdu();
    assert.equal(edu.device.info().resettable, false);
    expectErrno("EINVAL", () => edu.device.reset(), "VFIO_DEVICE_RESET");
    expectErrno("ENODEV", () => edu.device.hotResetInfo(), "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
  }
  assert.ok(EDU_BEHIND_PORT, "the VM has a second edu behind a PCIe root port");
  using edu = openEdu(EDU_BEHIND_PORT);
  const { device } = edu;
  assert.equal(device.info().resettable, true);
  using bar = device.mmap(VFIO_PCI_BAR0_REGION_INDEX);
  const regs = new Edu(bar);
  assert.equal(regs.id, EDU_ID);
  device.reset();
  // The kernel zapped the mapping for the reset; the next access faults it back in.
  assert.equal(regs.id, EDU_ID);
  const info = device.hotResetInfo();
  assert.equal(info.owned, true);
  assert.deepEqual(info.devices.map((d) => [d.address, d.devid]), [[EDU_BEHIND_PORT, device.devId]]);
  device.hotReset();
  assert.equal(regs.id, EDU_ID);
});

test("device features: probe, and a typed payload the kernel reads (the wakeup eventfd)", () => {
  using edu = openEdu();
  const { device } = edu;
  assert.equal(device.probeFeature("lowPowerEntry", { set: true }), true);
  assert.equal(device.probeFeature("lowPowerEntry", { get: true }), false);
  assert.equal(device.probeFeature("migration"), false);
  expectErrno("ENOTTY", () => device.getFeature("migration"), "VFIO_DEVICE_FEATURE");
  // The kernel takes the eventfd from the payload: a file that is not an eventfd is its EBADF/EINVAL.
  assert.throws(() => device.setFeature("lowPowerEntryWithWakeup", { wakeup_eventfd: device.fd }), (err: NodeJS.ErrnoException) => ["EINVAL", "EBADF"].includes(err.code!));
  using wake = new EventFd();
  device.setFeature("lowPowerEntryWithWakeup", { wakeup_eventfd: wake.fd });
  device.setFeature("lowPowerExit");
});

test("typed errors: attach to a destroyed IOAS, mmap of a region that cannot be mapped", () => {
  using iommufd = Iommufd.open();
  const ioas = iommufd.allocIoas();
  const id = ioas.id;
  using device = VfioDevice.openPci(EDU!);
  device.bind(iommufd);
  ioas.destroy();
  // The runtime refuses the dead object before any ioctl; the kernel refuses its old ID.
  expectErrno("ENOENT", () => device.attach(ioas));
  expectErrno("ENOENT", () => device.attach(id), "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
  assert.throws(() => device.mmap(VFIO_PCI_CONFIG_REGION_INDEX, { length: 4096n }), { name: "RangeError" });
  assert.throws(() => device.mmap(VFIO_PCI_CONFIG_REGION_INDEX, { length: 256n }), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, "EINVAL");
    assert.equal(err.syscall, "mmap");
    return true;
  });
});
