// The typed-call module for ioctls without a struct: a scalar the request's size says is pointed
// at is passed through runtime memory, never as a number the kernel would dereference.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { emitIoctlModule } from "#generator/emit/ioctls.js";
import { emitModule, linkContext } from "#generator/emit/module.js";
import { getAbi } from "#generator/model/abi.js";
import { recordNames } from "#generator/emit/names.js";
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
  const names = recordNames(built.model);
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
  assert.match(text, /export function FS_IOC_GETFLAGS\(fd: number, value\?: bigint\): bigint \{\s*return callScalar\(fd, ioctls\.FS_IOC_GETFLAGS, value\) as bigint;/);
  assert.match(text, /export function FS_IOC_SETFLAGS\(fd: number, value: bigint\): bigint/);
  assert.match(text, /export function T_COUNT\(fd: number, value: number\): number/);
  // Nothing in these functions passes a caller's number as the argument, except the Unsafe ones.
  assert.doesNotMatch(text.replace(/export function \w+Unsafe[\s\S]*?\n\}/g, ""), /callValue\(fd, ioctls\.\w+, /);
  assert.match(text, /export function T_RESET\(fd: number\): number \{\s*return callValue\(fd, ioctls\.T_RESET\);/);
  assert.match(text, /export function T_RESETUnsafe\(fd: number, arg\?: number \| bigint\): number/);
  // A flexible array with no size member to bound it: only the Unsafe call, which takes the bytes.
  assert.doesNotMatch(text, /export (async )?function T_LIST(Async)?\(/);
  assert.match(text, /export function T_LISTUnsafe\(\s*fd: number,\s*args: t_listInit = \{\},\s*trailing\?: ArrayBufferView,?\s*\): t_list/);
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
