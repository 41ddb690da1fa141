// The runtime's public surface for applications (`@uapigen/runtime`).
export * from "./codec.js";
export { ARCH_OVERRIDE_ENV, hostArch, targetArch } from "./arch.js";
// The typed calls are reached through the generated modules, which import ./call.js: exported
// here they would take any request with any codec. The raw shim is exported only as Unsafe.
// Replacing the kernel is for tests: a fake that answers "unmapped" releases real pins.
export { useTransport as useTransportUnsafe, type CallArgs, type Capability, type Trailing, type Transport } from "./call.js";
export { EventFd, type WaitOptions } from "./eventfd.js";
export { isSystemError, mmapAnonymous, mmapShared, mmapUnsafe, munmap, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, native as nativeUnsafe, PROT_READ, PROT_WRITE, type NativeShim, type SystemError } from "./native.js";
