// Typed calls against a fake fd layer: exactly the bytes that would reach the kernel for every
// iommufd ioctl (size filled, reserved zeroed, pointers set from buffers, counts consistent).
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { planRecord } from "#generator/emit/records.js";
import { callName, recordNames } from "#generator/emit/names.js";
import { buildHeader } from "#generator/model/build.js";
import * as calls from "#linux/generated/iommufd-ioctls.js";
import * as codecs from "#linux/generated/iommufd.js";
import { ioctls } from "#linux/generated/iommufd.js";
import { useTransport } from "#runtime/call.js";
import { mmapAnonymous } from "#runtime/native.js";
import { FakeKernel } from "./fake-kernel.js";
import { header, X86_64 } from "../helpers.js";

afterEach(() => useTransport(undefined));

const built = buildHeader(header("7.3", "iommufd.h"), { abi: X86_64 });
const byTag = new Map(built.model.records.filter((r) => r.tag).map((r) => [r.tag!, r]));

type Call = (fd: number, args: Record<string, unknown>) => Record<string, unknown>;

test("every iommufd ioctl with a struct: the bytes the kernel would see", () => {
  const kernel = new FakeKernel();
  useTransport(kernel);
  let checked = 0;
  for (const [name, info] of Object.entries(ioctls)) {
    if (!("argument" in info)) continue;
    const codec = info.argument as unknown as { size: number; decode(v: DataView): Record<string, unknown>; pointers?: Record<string, { count?: string; elementSize?: number; element?: { size: number }; entrySize?: string; bytes?: number; persistent?: boolean; bitmap?: { length: string; pageSize: string } }> };
    const tag = Object.keys(codecs).find((t) => (codecs as Record<string, unknown>)[t] === info.argument)!;
    const decl = byTag.get(tag);
    assert.ok(decl, `${name}: its struct`);
    const plan = planRecord(decl, built.layout, recordNames(built.model));
    const args: Record<string, unknown> = {};
    const buffers: Record<string, Uint8Array> = {};
    let n = 1;
    for (const m of plan) {
      const p = codec.pointers?.[m.flat.name];
      if (p) {
        const size = (p.element?.size ?? p.elementSize ?? (p.entrySize ? 16 : 1)) * 3;
        // Memory the kernel keeps using must be runtime memory; the rest may be any buffer.
        buffers[m.flat.name] = p.persistent ? new Uint8Array(mmapAnonymous(4096), 0, size + 1) : new Uint8Array(Math.max(size + 1, p.bytes ?? 0, 8));
        args[m.flat.name] = buffers[m.flat.name];
        if (p.entrySize) args[p.entrySize] = 16;
        if (p.bitmap) Object.assign(args, { [p.bitmap.length]: 64n * 4096n, [p.bitmap.pageSize]: 4096n });
        continue;
      }
      if (m.role !== "plain" || m.flat.inUnion || m.kind?.kind !== "scalar" || m.kind.scalar.float) continue;
      const pointerFacts = Object.values(codec.pointers ?? {});
      if (pointerFacts.some((x) => x.count === m.flat.name || x.entrySize === m.flat.name || x.bitmap?.length === m.flat.name || x.bitmap?.pageSize === m.flat.name)) continue;
      args[m.flat.name] = m.kind.scalar.bits === 64 ? BigInt(n) : n;
      n++;
    }
    const before = kernel.seen.length;
    (calls as unknown as Record<string, Call>)[callName(name)]!(42, args);
    const seen = kernel.seen[before]!;
    assert.equal(seen.fd, 42);
    assert.equal(seen.request, info.request, name);
    assert.equal(seen.name, name);
    assert.equal(seen.bytes.length, codec.size, `${name}: the whole struct`);
    const sent = codec.decode(new DataView(seen.bytes.buffer));
    for (const m of plan) {
      const f = m.flat.name;
      if (m.role === "size") assert.equal(sent[f], codec.size, `${name}.${f}: the size member`);
      else if (m.role === "reserved") assert.ok(sent[f] === 0 || sent[f] === 0n || (ArrayBuffer.isView(sent[f]) && (sent[f] as Uint8Array).every((x) => x === 0)), `${name}.${f}: reserved is zero`);
      else if (buffers[f]) {
        assert.equal(sent[f], kernel.addresses.get(buffers[f]!), `${name}.${f}: the buffer's address`);
        const p = codec.pointers![f]!;
        const elementSize = p.element?.size ?? p.elementSize ?? (p.entrySize ? 16 : 1);
        if (p.count) assert.equal(BigInt(sent[p.count] as number), BigInt(Math.floor(buffers[f]!.byteLength / elementSize)), `${name}.${p.count}: the count from the buffer`);
      } else if (f in args) assert.equal(BigInt(sent[f] as number), BigInt(args[f] as number), `${name}.${f}`);
    }
    checked++;
  }
  assert.equal(checked, Object.values(ioctls).filter((i) => "argument" in i).length);
  assert.ok(checked >= 20, `${checked} ioctls`);
});

test("a count larger than its buffer is a RangeError; a raw address only through the Unsafe call", () => {
  useTransport(new FakeKernel());
  const ranges = new Uint8Array(16 * 2);
  assert.throws(() => calls.iommuIoasAllowIovas(3, { ioas_id: 1, num_iovas: 3, allowed_iovas: ranges }), {
    name: "RangeError",
    message: "IOMMU_IOAS_ALLOW_IOVAS: num_iovas is 3, but the allowed_iovas buffer holds 2 element(s) of 16 bytes",
  });
  assert.throws(() => calls.iommuIoasMap(3, { user_va: 0x1000n as never, length: 4096 }), /user_va takes a buffer .* only through iommuIoasMapUnsafe/);
  assert.throws(() => calls.iommuIoasMap(3, { user_va: new Uint8Array(4096) }), /user_va must be memory from mmapAnonymous\(\)/);
  const out = calls.iommuIoasMapUnsafe(3, { user_va: 0x1000n, length: 4096 });
  assert.equal(out.user_va, 0x1000n);
});

test("decoded output: what the kernel wrote comes back typed; async calls too", async () => {
  const kernel = new FakeKernel();
  kernel.reply = (seen, arg) => {
    if (seen.name === "IOMMU_IOAS_ALLOC") arg.setUint32(8, 7, true); // out_ioas_id
    return 0;
  };
  useTransport(kernel);
  assert.equal(calls.iommuIoasAlloc(3).out_ioas_id, 7);
  assert.equal((await calls.iommuIoasAllocAsync(3)).out_ioas_id, 7);
  assert.equal(calls.iommuDestroy(3, { id: 7 }).id, 7);
});
