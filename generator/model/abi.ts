// Target ABIs as data: type sizes and alignments, byte order, the _IOC bit layout of the
// architecture's asm/ioctl.h, and the macros its compiler predefines. Adding an architecture
// is adding a row.
import type { BuiltinName } from "./ir.js";

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
  /** [size, align] of each builtin type. */
  types: Record<Exclude<BuiltinName, "void">, [number, number]> & { pointer: [number, number] };
  charSigned: boolean;
  /** What __attribute__((aligned)) without an argument means (__BIGGEST_ALIGNMENT__). */
  biggestAlignment: number;
  /** A zero-width bitfield aligns the next field but not the struct (true on x86-64 SysV). */
  ioc: IocLayout;
  predefined: Record<string, string>;
}

/** GNU spellings every gcc accepts; modelled as macros so tree-sitter sees standard C. */
export const GNU_KEYWORDS: Record<string, string> = {
  __signed__: "signed",
  __signed: "signed",
  __inline__: "inline",
  __inline: "inline",
  __volatile__: "volatile",
  __volatile: "volatile",
  __const: "const",
  __const__: "const",
  __restrict: "restrict",
  __restrict__: "restrict",
  __extension__: "",
  __asm__: "asm",
  __typeof__: "typeof",
  __alignof__: "_Alignof",
};

const commonPredefined = {
  __GNUC__: "12",
  __GNUC_MINOR__: "2",
  __GNUC_PATCHLEVEL__: "0",
  __STDC__: "1",
  __STDC_VERSION__: "201710L",
  __STDC_HOSTED__: "1",
  __linux__: "1",
  __linux: "1",
  __unix__: "1",
  __unix: "1",
  __ELF__: "1",
  __CHAR_BIT__: "8",
  __ORDER_LITTLE_ENDIAN__: "1234",
  __ORDER_BIG_ENDIAN__: "4321",
  __ORDER_PDP_ENDIAN__: "3412",
};

export const ABIS: Record<string, Abi> = {
  x86_64: {
    name: "x86_64",
    triplet: "x86_64-linux-gnu",
    endian: "little",
    types: {
      _Bool: [1, 1], char: [1, 1], "signed char": [1, 1], "unsigned char": [1, 1],
      short: [2, 2], "unsigned short": [2, 2], int: [4, 4], "unsigned int": [4, 4],
      long: [8, 8], "unsigned long": [8, 8], "long long": [8, 8], "unsigned long long": [8, 8],
      __int128: [16, 16], "unsigned __int128": [16, 16],
      float: [4, 4], double: [8, 8], "long double": [16, 16], pointer: [8, 8],
    },
    charSigned: true,
    biggestAlignment: 16,
    // asm-generic/ioctl.h
    ioc: { nrBits: 8, typeBits: 8, sizeBits: 14, dirBits: 2, none: 0, write: 1, read: 2 },
    predefined: {
      ...commonPredefined,
      __x86_64__: "1",
      __x86_64: "1",
      __amd64__: "1",
      __amd64: "1",
      __LP64__: "1",
      _LP64: "1",
      __SIZEOF_INT__: "4",
      __SIZEOF_LONG__: "8",
      __SIZEOF_LONG_LONG__: "8",
      __SIZEOF_SHORT__: "2",
      __SIZEOF_POINTER__: "8",
      __SIZEOF_INT128__: "16",
      __BYTE_ORDER__: "__ORDER_LITTLE_ENDIAN__",
      __BIGGEST_ALIGNMENT__: "16",
    },
  },
};

export const DEFAULT_ABI = "x86_64";

export function getAbi(name: string): Abi | undefined {
  return Object.hasOwn(ABIS, name) ? ABIS[name] : undefined;
}

export function longBits(abi: Abi): number {
  return abi.types.long[0] * 8;
}
