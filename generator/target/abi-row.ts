// The shape of one target ABI row (abi-rows.ts holds the rows, abi.ts looks them up).
import type { BuiltinName } from "../ir/decls.js";

export interface IocLayout {
  nrBits: number;
  typeBits: number;
  sizeBits: number;
  dirBits: number;
  none: number;
  write: number;
  read: number;
}

export interface Abi {
  name: string;
  /** Debian multiarch triplet: the asm/ headers live in <include>/<triplet>/asm. */
  triplet: string;
  endian: "little" | "big";
  /** [size, align] of each builtin type; __int128 only where the ABI has it. */
  types: Record<Exclude<BuiltinName, "void" | "__int128" | "unsigned __int128">, [number, number]> &
    Partial<Record<"__int128" | "unsigned __int128", [number, number]>> & { pointer: [number, number] };
  charSigned: boolean;
  /** What __attribute__((aligned)) without an argument means (__BIGGEST_ALIGNMENT__). */
  biggestAlignment: number;
  ioc: IocLayout;
  predefined: Record<string, string>;
}
