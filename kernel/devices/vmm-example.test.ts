// The README's VMM example, run as it is printed there (test/readme.test.ts checks that the
// README shows exactly the marked parts of this file): open a device, bind it, map guest RAM,
// mmap BAR0, wire MSI to an eventfd, and let the device DMA through guest RAM.
import assert from "node:assert/strict";
import { test } from "node:test";
// README: begin
import { EventFd, Iommufd, VfioDevice } from "@uapigen/linux";
import { VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_MSI_IRQ_INDEX } from "@uapigen/linux/vfio";
import { mmapAnonymous } from "@uapigen/runtime";
// README: end
import { eduAddresses } from "./edu.js";

test("the README's VMM example", async () => {
  const address = eduAddresses().root!;
  // README: begin
  using iommufd = Iommufd.open(); // /dev/iommu
  using ioas = iommufd.allocIoas();
  using device = VfioDevice.openPci(address); // "0000:00:03.0": QEMU's edu, bound to vfio-pci
  device.bind(iommufd);
  device.attach(ioas);

  const ram = mmapAnonymous(16 << 20); // guest RAM
  ioas.map(ram, { iova: 0n }); // guest-physical = IOVA; pinned while mapped
  using bar0 = device.mmap(VFIO_PCI_BAR0_REGION_INDEX); // registers, as runtime memory
  using msi = new EventFd();
  device.enableIrqs(VFIO_PCI_MSI_IRQ_INDEX, [msi]);
  device.pci.enableBusMaster();

  const dma = async (src: bigint, dst: bigint, command: bigint) => {
    bar0.write64(0x80, src);
    bar0.write64(0x88, dst);
    bar0.write64(0x90, 16n); // bytes
    bar0.write64(0x98, command); // bit 0 start, bit 1 device-to-RAM, bit 2 MSI when done
    await msi.wait({ signal: AbortSignal.timeout(60_000) }); // on the libuv loop, not polled
    bar0.write32(0x64, 0x100); // acknowledge edu's DMA interrupt
  };
  new TextEncoder().encodeInto("hello from guest", new Uint8Array(ram, 0x1000));
  await dma(0x1000n, 0x40000n, 0b101n); // guest RAM -> edu's buffer
  await dma(0x40000n, 0x2000n, 0b111n); // edu's buffer -> guest RAM
  const echoed = new TextDecoder().decode(new Uint8Array(ram, 0x2000, 16));
  // README: end
  assert.equal(echoed, "hello from guest");
});
