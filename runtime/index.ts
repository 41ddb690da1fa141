// The runtime's public surface (`<package>/runtime`).
export * from "./codec.js";
export { ARCH_OVERRIDE_ENV, hostArch, targetArch } from "./arch.js";
export { callStruct, callStructAsync, callStructUnsafe, callValue, useTransport, type CallArgs, type Transport } from "./call.js";
export { isSystemError, mmapAnonymous, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, native, PROT_READ, PROT_WRITE, type NativeShim, type SystemError } from "./native.js";
export { FaultQueue, Hwpt, Ioas, Iommufd, type IovaRange, type MapOptions } from "./iommufd.js";
export { VfioDevice } from "./vfio.js";
