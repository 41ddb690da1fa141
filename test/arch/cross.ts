// The cross compiler of each ABI row (Debian's gcc-<triplet>; scripts/abi-facts.mjs reads the
// rows off the same compilers).
export const CROSS_GCC: Record<string, string> = {
  x86_64: "gcc", i386: "i686-linux-gnu-gcc", aarch64: "aarch64-linux-gnu-gcc", arm: "arm-linux-gnueabihf-gcc",
  ppc64le: "powerpc64le-linux-gnu-gcc", ppc64: "powerpc64-linux-gnu-gcc", powerpc: "powerpc-linux-gnu-gcc",
  s390x: "s390x-linux-gnu-gcc", riscv64: "riscv64-linux-gnu-gcc", mips64el: "mips64el-linux-gnuabi64-gcc",
  mipsel: "mipsel-linux-gnu-gcc", sparc64: "sparc64-linux-gnu-gcc", alpha: "alpha-linux-gnu-gcc", hppa: "hppa-linux-gnu-gcc",
};

/**
 * How to run the real s390x Node (qemu-s390x-static with Debian's s390x libraries), as
 * scripts/test-arch.mjs prepares it: a command line in UAPIGEN_S390X_NODE.
 */
export const S390X_NODE_ENV = "UAPIGEN_S390X_NODE";
