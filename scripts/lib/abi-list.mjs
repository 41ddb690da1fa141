// The ABI rows uapigen knows, in the order it lists them: the one list everything else is made
// from. scripts/abi-facts.mjs reads each row's facts off its cross compiler and writes
// generator/target/abi-rows.ts (the generator's rows) and runtime/arch-rows.ts (what the runtime
// needs to pick a row); test/arch/cross.ts and scripts/test-arch.mjs install and run the same
// compilers. Adding an architecture is adding a row here and running
// `node scripts/abi-facts.mjs --write`.
//
//   name      uapigen's name for the row (`uapigen layout --arch <name>`, UAPIGEN_ARCH)
//   gcc       the cross compiler's command; its binutils (nm) share the prefix
//   package   the Debian package that installs it (test:arch installs it when missing)
//   triplet   Debian's multiarch triplet: the asm/ headers live in <include>/<triplet>/asm
//   nodeArch  Node's process.arch on that machine; absent where Node has no port
//   endian    the byte order (checked against the compiler's __BYTE_ORDER__)
//   qemu      the qemu-user binary that runs the machine's programs (Debian's qemu-user-static)

/** @typedef {{ name: string, gcc: string, package: string, triplet: string, nodeArch?: string, endian: "little" | "big", qemu: string }} AbiListRow */

/** @type {readonly AbiListRow[]} */
export const ABI_LIST = [
  { name: "x86_64", gcc: "gcc", package: "gcc", triplet: "x86_64-linux-gnu", nodeArch: "x64", endian: "little", qemu: "qemu-x86_64-static" },
  { name: "i386", gcc: "i686-linux-gnu-gcc", package: "gcc-i686-linux-gnu", triplet: "i386-linux-gnu", nodeArch: "ia32", endian: "little", qemu: "qemu-i386-static" },
  { name: "aarch64", gcc: "aarch64-linux-gnu-gcc", package: "gcc-aarch64-linux-gnu", triplet: "aarch64-linux-gnu", nodeArch: "arm64", endian: "little", qemu: "qemu-aarch64-static" },
  { name: "arm", gcc: "arm-linux-gnueabihf-gcc", package: "gcc-arm-linux-gnueabihf", triplet: "arm-linux-gnueabihf", nodeArch: "arm", endian: "little", qemu: "qemu-arm-static" },
  { name: "ppc64le", gcc: "powerpc64le-linux-gnu-gcc", package: "gcc-powerpc64le-linux-gnu", triplet: "powerpc64le-linux-gnu", nodeArch: "ppc64", endian: "little", qemu: "qemu-ppc64le-static" },
  { name: "ppc64", gcc: "powerpc64-linux-gnu-gcc", package: "gcc-powerpc64-linux-gnu", triplet: "powerpc64-linux-gnu", nodeArch: "ppc64", endian: "big", qemu: "qemu-ppc64-static" },
  { name: "powerpc", gcc: "powerpc-linux-gnu-gcc", package: "gcc-powerpc-linux-gnu", triplet: "powerpc-linux-gnu", nodeArch: "ppc", endian: "big", qemu: "qemu-ppc-static" },
  { name: "s390x", gcc: "s390x-linux-gnu-gcc", package: "gcc-s390x-linux-gnu", triplet: "s390x-linux-gnu", nodeArch: "s390x", endian: "big", qemu: "qemu-s390x-static" },
  { name: "riscv64", gcc: "riscv64-linux-gnu-gcc", package: "gcc-riscv64-linux-gnu", triplet: "riscv64-linux-gnu", nodeArch: "riscv64", endian: "little", qemu: "qemu-riscv64-static" },
  { name: "mips64el", gcc: "mips64el-linux-gnuabi64-gcc", package: "gcc-mips64el-linux-gnuabi64", triplet: "mips64el-linux-gnuabi64", nodeArch: "mips64el", endian: "little", qemu: "qemu-mips64el-static" },
  { name: "mipsel", gcc: "mipsel-linux-gnu-gcc", package: "gcc-mipsel-linux-gnu", triplet: "mipsel-linux-gnu", nodeArch: "mipsel", endian: "little", qemu: "qemu-mipsel-static" },
  { name: "sparc64", gcc: "sparc64-linux-gnu-gcc", package: "gcc-sparc64-linux-gnu", triplet: "sparc64-linux-gnu", endian: "big", qemu: "qemu-sparc64-static" },
  { name: "alpha", gcc: "alpha-linux-gnu-gcc", package: "gcc-alpha-linux-gnu", triplet: "alpha-linux-gnu", endian: "little", qemu: "qemu-alpha-static" },
  { name: "hppa", gcc: "hppa-linux-gnu-gcc", package: "gcc-hppa-linux-gnu", triplet: "hppa-linux-gnu", endian: "big", qemu: "qemu-hppa-static" },
];

/** The row named `name`, or undefined. */
export const abiListRow = (name) => ABI_LIST.find((row) => row.name === name);
