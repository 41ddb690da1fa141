// The typed-call module for ioctls without a struct: a scalar the request's size says is pointed
// at is passed through runtime memory, never as a number the kernel would dereference.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { emitIoctlModule } from "#generator/emit/ioctls.js";
import { emitModule, linkContext } from "#generator/emit/module.js";
import { getAbi } from "#generator/target/abi.js";
import { recordNames } from "#generator/emit/names.js";
import type { Overrides } from "#generator/model/overrides.js";
import { callScalar, useTransport } from "#runtime/call.js";
import { FakeKernel } from "../runtime/fake-kernel.js";
import { buildText, X86_64 } from "../helpers.js";

afterEach(() => useTransport(undefined));

const HEADER = `#include <linux/types.h>
#include <linux/ioctl.h>
#define FS_IOC_GETFLAGS _IOR('f', 1, long)
#define FS_IOC_SETFLAGS _IOW('f', 2, long)
#define T_COUNT _IOWR('t', 3, int)
#define T_RESET _IO('t', 4)
struct t_list { __u32 n; __u32 ids[]; };
#define T_LIST _IOW('t', 5, struct t_list)
`;

async function emitted(): Promise<string> {
  const built = buildText(HEADER, {}, "test.h", X86_64);
  const names = recordNames(built.model, () => "./test.js", true);
  return emitIoctlModule(built.model, names, linkContext(built.model, names), { codecImport: "./test.js", callImport: "../runtime/call.js" });
}

test("the ioctls table gives each pointed-at scalar its width per architecture", async () => {
  const units = ["x86_64", "i386"].map((name) => {
    const abi = getAbi(name)!;
    const built = buildText(HEADER, {}, "test.h", abi);
    return { abi, model: built.model, layout: built.layout };
  });
  const text = await emitModule(units, { runtimeImport: "../runtime/codec.js" });
  // long: 8 bytes on x86_64 (variant 0), 4 on i386; a bigint on both.
  assert.match(text, /FS_IOC_GETFLAGS: \{[^}]*scalar: \{ bytes: V === 1 \? 4 : 8, wide: true, signed: true, reads: false, writes: true \}/);
  assert.match(text, /T_COUNT: \{[^}]*scalar: \{ bytes: 4, wide: false, signed: true, reads: true, writes: true \}/);
});

test("_IOR/_IOW/_IOWR of a scalar: a pointer to runtime memory, the value in and out", async () => {
  const text = await emitted();
  assert.match(text, /export function fsIocGetflags\(fd: number, value\?: bigint\): bigint \{\s*return callScalar\(fd, ioctls\.FS_IOC_GETFLAGS, value\) as bigint;/);
  assert.match(text, /export function fsIocSetflags\(fd: number, value: bigint\): bigint/);
  assert.match(text, /export function tCount\(fd: number, value: number\): number/);
  // Nothing in these functions passes a caller's number as the argument, except the Unsafe ones.
  assert.doesNotMatch(text.replace(/export function \w+Unsafe[\s\S]*?\n\}/g, ""), /callValue\(fd, ioctls\.\w+, /);
  assert.match(text, /export function tReset\(fd: number\): number \{\s*return callValue\(fd, ioctls\.T_RESET\);/);
  assert.match(text, /export function tResetUnsafe\(fd: number, arg\?: number \| bigint\): number/);
  // A flexible array with no size member to bound it: only the Unsafe call, which takes the bytes.
  assert.doesNotMatch(text, /export (async )?function T_LIST(Async)?\(/);
  assert.match(text, /export function tListUnsafe\(\s*fd: number,\s*args: TListInit = \{\},\s*trailing\?: ArrayBufferView,?\s*\): t_list/);
});

test("callScalar: the kernel reads the value from, and writes its answer to, runtime memory", () => {
  const kernel = new FakeKernel();
  const args: unknown[] = [];
  kernel.ioctl = (_fd, _request, arg) => {
    args.push(arg);
    if ((arg as DataView).byteLength === 8) (arg as DataView).setBigInt64(0, 0x80n, true);
    return 0;
  };
  useTransport(kernel);
  const info = { name: "FS_IOC_GETFLAGS", request: 0x80086601, direction: "read" as const, scalar: { bytes: 8, wide: true, signed: true, reads: false, writes: true } };
  assert.equal(callScalar(3, info), 0x80n);
  assert.ok(args[0] instanceof DataView && args[0].byteLength === 8, "a pointer to 8 bytes, not a number");
  assert.throws(() => callScalar(3, info, 5n), /the kernel only writes this value/);
  const write = { ...info, name: "T_SET", scalar: { bytes: 4, wide: false, signed: false, reads: true, writes: false } };
  assert.throws(() => callScalar(3, write), /the kernel reads a value here/);
  assert.throws(() => callScalar(3, write, 2 ** 32), { name: "RangeError" });
  assert.throws(() => callScalar(3, write, -1), { name: "RangeError" });
  callScalar(3, write, 7);
  assert.equal((args[1] as DataView).getUint32(0, true), 7);
});

// A legacy request declared in the override file (tty's plain 0x5413) against its `_IOR` twin:
// the same table row and the same typed calls, the legacy one saying where its facts come from.
const WINSIZE = "struct winsize { unsigned short ws_row; unsigned short ws_col; unsigned short ws_xpixel; unsigned short ws_ypixel; };";
const LEGACY = `#include <linux/ioctl.h>\n${WINSIZE}\n#define TIOCGWINSZ 0x5413\n#define FIONREAD 0x541B\n#define T_LONG 0x5470\n`;
const TWIN = `#include <linux/ioctl.h>\n${WINSIZE}\n#define TIOCGWINSZ _IOR('T', 0x13, struct winsize)\n#define FIONREAD _IOR('T', 0x1B, int)\n#define T_LONG _IOR('T', 0x70, long)\n`;
const LEGACY_OVERRIDES: Overrides = {
  ioctls: {
    TIOCGWINSZ: { legacyRequest: { direction: "read" }, argument: "struct winsize", reason: "tiocgwinsz() copies a struct winsize" },
    FIONREAD: { legacyRequest: { direction: "read" }, argument: "int", reason: "put_user of an int" },
    T_LONG: { legacyRequest: { direction: "read" }, argument: "long", reason: "a long, 4 or 8 bytes" },
  },
};

async function modules(text: string, overrides?: Overrides): Promise<{ codecs: string; calls: string }> {
  const units = ["x86_64", "i386"].map((name) => {
    const abi = getAbi(name)!;
    const built = buildText(text, {}, "tty.h", abi, overrides);
    return { abi, model: built.model, layout: built.layout };
  });
  const { model } = units[0]!;
  const names = recordNames(model, () => "./tty.js", true);
  const codecs = await emitModule(units, { runtimeImport: "../runtime/codec.js" });
  const calls = await emitIoctlModule(model, names, linkContext(model, names), { codecImport: "./tty.js", callImport: "../runtime/call.js" });
  return { codecs, calls };
}

const tableRows = (codecs: string) => /export const ioctls = \{\n([\s\S]*?)\n\} as const/.exec(codecs)![1]!;

test("a legacy request's table row and typed calls are its _IOR twin's", async () => {
  const legacy = await modules(LEGACY, LEGACY_OVERRIDES);
  const twin = await modules(TWIN);
  // The row names the request by its constant, so the text is the same whatever its number.
  assert.equal(tableRows(legacy.codecs), tableRows(twin.codecs));
  assert.equal(
    tableRows(legacy.codecs),
    [
      '  TIOCGWINSZ: { name: "TIOCGWINSZ", request: TIOCGWINSZ, direction: "read", argument: winsize },',
      "  FIONREAD: {",
      '    name: "FIONREAD",',
      "    request: FIONREAD,",
      '    direction: "read",',
      '    scalarArgument: "int",',
      '    scalarPassing: "pointer",',
      "    scalar: { bytes: 4, wide: false, signed: true, reads: false, writes: true },",
      "  },",
      "  T_LONG: {",
      '    name: "T_LONG",',
      "    request: T_LONG,",
      '    direction: "read",',
      '    scalarArgument: "long",',
      '    scalarPassing: "pointer",',
      // Nothing encodes the width: the layout gives it per architecture (8 on x86_64, 4 on i386).
      "    scalar: { bytes: V === 1 ? 4 : 8, wide: true, signed: true, reads: false, writes: true },",
      "  },",
    ].join("\n"),
  );
  assert.match(
    legacy.codecs,
    /\/\*\* C: `#define TIOCGWINSZ` = 21523; a legacy request, not _IOC-encoded: read, as the override file declares \*\/\nexport const TIOCGWINSZ = 0x5413;/,
  );
  assert.match(twin.codecs, /export const TIOCGWINSZ = 0x80085413;/);
  // The same code; the docs of the legacy calls (the call and its Async or Unsafe sibling) add
  // where the request's facts come from.
  const code = (text: string) => text.replace(/\/\*\*[\s\S]*?\*\/\n/g, "");
  assert.equal(code(legacy.calls), code(twin.calls));
  for (const name of ["TIOCGWINSZ", "FIONREAD", "T_LONG"]) {
    const note = ` * \`${name}\` is a legacy request number, not _IOC-encoded: its direction and argument are the reviewed override file's.\n`;
    assert.equal(legacy.calls.split(note).length - 1, 2, name);
    assert.equal(twin.calls.includes(note), false, name);
  }
  assert.match(
    legacy.calls,
    /export function tiocgwinsz\(fd: number, args: WinsizeInit = \{\}\): winsize \{\n {2}return callStruct<winsize>\(fd, ioctls\.TIOCGWINSZ, args\);\n\}/,
  );
  assert.match(legacy.calls, /export function fionread\(fd: number, value\?: number\): number \{\n {2}return callScalar\(fd, ioctls\.FIONREAD, value\) as number;\n\}/);
  assert.match(legacy.calls, /export function tLong\(fd: number, value\?: bigint\): bigint \{\n {2}return callScalar\(fd, ioctls\.T_LONG, value\) as bigint;\n\}/);
});
