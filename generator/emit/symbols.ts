// The names emitted code takes from other modules, as printer symbols: writing one into code
// imports it (ModuleFile.imports), and the module-local constants (`LE`, `V`, `EMPTY`, `NONE`)
// are declared where the code uses them.
import { local, symbol } from "./print/marks.js";

/** The runtime's codec module (`@uapigen/runtime/codec`): what codecs and views call. */
export const CODEC = "runtime:codec";
/** The runtime's call module (`@uapigen/runtime/codegen`): what typed calls call. */
export const CODEGEN = "runtime:codegen";

const value = (name: string) => symbol(name, CODEC);
const type = (name: string) => symbol(name, CODEC, true);

export const rt = {
  RecordView: value("RecordView"),
  bits: value("bits"),
  dataView: value("dataView"),
  fixedArray: value("fixedArray"),
  getBits: value("getBits"),
  mustBeZero: value("mustBeZero"),
  narrow32: value("narrow32"),
  notAnObject: value("notAnObject"),
  selectArch: value("selectArch"),
  setBits: value("setBits"),
  unknownMember: value("unknownMember"),
  zero: value("zero"),
  u8: value("u8"),
  s8: value("s8"),
  u16: value("u16"),
  s16: value("s16"),
  u32: value("u32"),
  s32: value("s32"),
  u64: value("u64"),
  s64: value("s64"),
  GeneratedCodec: type("GeneratedCodec"),
  InitOf: type("InitOf"),
  Int64: type("Int64"),
  IoctlInfo: type("IoctlInfo"),
  Target: type("Target"),
};

/** The names the codec modules may import from the runtime. */
export const runtimeNames = Object.keys(rt);

/** The range checker of an integer type: `u32`, `s8`. */
export const checkerOf = (name: string): string => rt[name as "u8"];

export const calls = {
  callScalar: symbol("callScalar", CODEGEN),
  callString: symbol("callString", CODEGEN),
  callStruct: symbol("callStruct", CODEGEN),
  callStructAsync: symbol("callStructAsync", CODEGEN),
  callStructUnsafe: symbol("callStructUnsafe", CODEGEN),
  callValue: symbol("callValue", CODEGEN),
  CallArgs: symbol("CallArgs", CODEGEN, true),
  Trailing: symbol("Trailing", CODEGEN, true),
};

/** The names the typed-call modules may import from the runtime. */
export const runtimeCallNames = Object.keys(calls);

/** The machine's byte order (`ARCH.littleEndian`), the module's variant, and two empty values. */
export const LE = local("LE");
export const V = local("V");
export const EMPTY = local("EMPTY");
export const NONE = local("NONE");

/** A /** *\/ comment as the emitted code writes it: one line, or one ` * ` line per line. */
export function jsdoc(text: string): string {
  if (!text.includes("\n")) return `/** ${text} */`;
  return `/**\n${text
    .split("\n")
    .map((l) => (l ? ` * ${l}` : " *"))
    .join("\n")}\n */`;
}
