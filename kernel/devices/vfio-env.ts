// What the device tests share: PCI devices by ID, and a device bound to a fresh iommufd and
// attached to a fresh IOAS, released in the order the kernel needs.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Iommufd } from "#linux/iommufd.js";
import { VfioDevice } from "#linux/vfio.js";

/**
 * How long a test waits for an interrupt. Generous: under TCG on a loaded machine the guest can
 * stall for many seconds, and a missing interrupt fails the test either way.
 */
export const IRQ_TIMEOUT_MS = 60_000;

/** The addresses of the PCI devices with this vendor and device ID, in sysfs order. */
export function pciDevices(vendor: number, device: number, sysfs = "/sys/bus/pci/devices"): string[] {
  return fs.readdirSync(sysfs).filter((a) => {
    const id = (f: string) => Number(fs.readFileSync(path.join(sysfs, a, f), "utf8").trim());
    return id("vendor") === vendor && id("device") === device;
  });
}

export function openDevice(address: string) {
  const iommufd = Iommufd.open();
  const ioas = iommufd.allocIoas();
  const device = VfioDevice.openPci(address);
  try {
    device.bind(iommufd);
    // Attaching to an IOAS makes the kernel allocate a HW page table for the device's IOMMU: its
    // ID comes back in pt_id.
    const hwpt = device.attach(ioas);
    assert.ok(hwpt > 0 && hwpt !== ioas.id, `attach gave back HWPT ${hwpt} for IOAS ${ioas.id}`);
  } catch (err) {
    // A device left bound would make every later bind fail.
    device.close();
    ioas.destroy();
    iommufd.close();
    throw err;
  }
  return {
    iommufd,
    ioas,
    device,
    [Symbol.dispose]() {
      // The device first: an IOAS with a device attached cannot be destroyed.
      device.close();
      ioas.destroy();
      iommufd.close();
    },
  };
}
