// vfio device cdev (`/dev/vfio/devices/vfioN`) on iommufd: bind, attach and detach a page table.
import fs from "node:fs";
import * as io from "./generated/vfio-ioctls.js";
import { VFIO_DEVICE_ATTACH_PASID, VFIO_DEVICE_BIND_FLAG_TOKEN, VFIO_DEVICE_DETACH_PASID } from "./generated/vfio.js";
import { OwnedFd } from "@uapigen/runtime/codegen";
import type { Iommufd } from "./iommufd.js";

export class VfioDevice extends OwnedFd {
  /** The iommufd device ID, once bound. */
  devId?: number;

  static open(path: string): VfioDevice {
    return new VfioDevice(fs.openSync(path, "r+"));
  }

  /** VFIO_DEVICE_BIND_IOMMUFD; returns the device ID to use in iommufd calls. */
  bind(iommufd: Iommufd, token?: Uint8Array): number {
    const out = io.VFIO_DEVICE_BIND_IOMMUFD(this.fd, { iommufd: iommufd.fd, flags: token ? VFIO_DEVICE_BIND_FLAG_TOKEN : 0, token_uuid_ptr: token });
    this.devId = out.out_devid;
    return out.out_devid;
  }

  /** VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or HWPT; returns the page table ID in use. */
  attach(ptId: number, pasid?: number): number {
    return io.VFIO_DEVICE_ATTACH_IOMMUFD_PT(this.fd, { pt_id: ptId, flags: pasid === undefined ? 0 : VFIO_DEVICE_ATTACH_PASID, pasid: pasid ?? 0 }).pt_id;
  }

  /** VFIO_DEVICE_DETACH_IOMMUFD_PT. */
  detach(pasid?: number): void {
    io.VFIO_DEVICE_DETACH_IOMMUFD_PT(this.fd, { flags: pasid === undefined ? 0 : VFIO_DEVICE_DETACH_PASID, pasid: pasid ?? 0 });
  }

}
