// The high-level Linux API: iommufd objects and vfio devices. The generated codecs, constants
// and typed calls are the subpaths `@uapigen/linux/iommufd[/ioctls]` and `.../vfio[/ioctls]`.
export { FaultQueue, Hwpt, Ioas, Iommufd, type IovaRange, type MapOptions } from "./iommufd.js";
export { VfioDevice } from "./vfio.js";
