// What generated modules and binding packages (such as @uapigen/linux) build on: typed calls
// that accept any request with any codec, fd ownership, and the pins of kernel mappings.
// Applications import the generated modules instead: a wrong codec here is a wrong kernel write.
export { callScalar, callString, callStruct, callStructAsync, callStructUnsafe, callValue, type CallArgs, type Capability, type Trailing, type TrailingInfo } from "./call.js";
export { bitmapBytes } from "./extents.js";
export { OwnedFd } from "./fd.js";
export { ownedMappings, type MappingOwner } from "./kernel-mappings.js";
