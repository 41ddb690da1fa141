// The high-level Linux API: iommufd objects and vfio devices. The generated codecs, constants
// and typed calls are the subpaths `@uapigen/linux/iommufd[/ioctls]` and `.../vfio[/ioctls]`.
export { FaultQueue, Hwpt, Ioas, Iommufd, type IovaRange, type MapOptions } from "./iommufd.js";
export {
  DEVICE_FEATURES,
  PciConfig,
  RegionMapping,
  VfioDevice,
  type ConfigAccess,
  type DependentDevice,
  type DeviceFeature,
  type DeviceInfo,
  type FeaturePayload,
  type FeaturePayloadInit,
  type HotResetInfo,
  type IrqInfo,
  type PageTable,
  type RegionCapability,
  type RegionInfo,
  type SparseMmapArea,
} from "./vfio.js";
export { EventFd } from "@uapigen/runtime";
