// An MSI-X device through vfio-pci: QEMU's virtio-rng (1af4:1044, a PCIe endpoint with FLR). The
// BAR holding its MSI-X table is the one region vfio-pci gives a capability (MSIX_MAPPABLE), so
// this is a capability chain from a real kernel, asked for and grown by the runtime; it is checked
// against the device's own config space.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VFIO_PCI_MSIX_IRQ_INDEX } from "#linux/generated/vfio.js";
import { PCI_CAP_ID_MSIX } from "#linux/vfio.js";
import { EventFd } from "#runtime/eventfd.js";
import { IRQ_TIMEOUT_MS, openDevice, pciDevices } from "./vfio-env.js";

const [VIRTIO_RNG] = pciDevices(0x1af4, 0x1044);

test("MSI-X: the table's BAR has the msix-mappable capability, vectors as config space says, FLR", async () => {
  assert.ok(VIRTIO_RNG, "the VM has a virtio-rng bound to vfio-pci (vfio_pci.ids=...,1af4:1044)");
  using opened = openDevice(VIRTIO_RNG);
  const { device } = opened;
  const cap = device.pci.capability(PCI_CAP_ID_MSIX);
  assert.ok(cap !== undefined, "config space lists MSI-X");
  const tableSize = (device.pci.read16(cap + 2) & 0x7ff) + 1;
  const tableBar = device.pci.read32(cap + 4) & 0x7;
  const regions = device.regions();
  const withCap = regions.filter((r) => r.capabilities.some((c) => c.kind === "msix-mappable"));
  assert.deepEqual(
    withCap.map((r) => [r.index, r.capabilities]),
    [[tableBar, [{ kind: "msix-mappable" }]]],
  );
  assert.ok(regions.find((r) => r.index === tableBar)!.mappable, "the BAR with the table may be mmapped");
  // No VGA region on this device: the kernel describes 8 of the 9 regions it counts.
  assert.deepEqual(regions.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  device.mmap(tableBar).unmap();
  assert.equal(device.irqInfo(VFIO_PCI_MSIX_IRQ_INDEX).count, tableSize);
  // Each vector signals its own eventfd.
  const eventfds = Array.from({ length: tableSize }, () => new EventFd());
  try {
    device.enableIrqs(VFIO_PCI_MSIX_IRQ_INDEX, eventfds);
    device.triggerIrqs(VFIO_PCI_MSIX_IRQ_INDEX, tableSize - 1);
    assert.equal(await eventfds[tableSize - 1]!.wait({ signal: AbortSignal.timeout(IRQ_TIMEOUT_MS) }), 1n);
    assert.deepEqual(eventfds.slice(0, -1).map((e) => e.read()), Array(tableSize - 1).fill(0n), "no other vector fired");
    device.disableIrqs(VFIO_PCI_MSIX_IRQ_INDEX);
  } finally {
    for (const e of eventfds) e.close();
  }
  // A PCIe function with FLR: vfio can reset it on its own.
  assert.equal(device.info().resettable, true);
  device.reset();
  assert.equal(device.pci.vendorId, 0x1af4);
});
