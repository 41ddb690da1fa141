// The runtime's public surface (`<package>/runtime`).
export * from "./codec.js";
export { callStruct, callStructAsync, callStructUnsafe, callValue, useTransport, type CallArgs, type Transport } from "./call.js";
export { isSystemError, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, native, PROT_READ, PROT_WRITE, type NativeShim, type SystemError } from "./native.js";
