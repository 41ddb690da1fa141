#!/usr/bin/env node
// npm run bench:table-driven — would codecs and views built from per-record tables (a smaller
// output, issue 15) be as fast as the written-out ones uapigen emits? iommu_ioas_map's generated
// encode and view against the same work driven by a table, against one written-out encode whose
// offsets come from a per-variant table, and against hand-written DataView code, in one run.
// Needs `npm run build` (it loads linux/dist).
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encodeIoasMap } from "./hand-written.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const load = (p) => import(pathToFileURL(path.join(ROOT, p)).href);
const generated = await load("linux/dist/generated/iommufd.js");
const { dataView, mustBeZero, notAnObject, RecordView, u32, u64, unknownMember } = await load("runtime/dist/codec.js");
const { iommu_ioas_map } = generated;
const LE = true;
const [SIZE32, U32, U64, RESERVED32] = [0, 1, 2, 3];
const FIELDS = [["size", 0, SIZE32], ["flags", 4, U32], ["ioas_id", 8, U32], ["__reserved", 12, RESERVED32], ["user_va", 16, U64], ["length", 24, U64], ["iova", 32, U64]];

/** encode as an interpreter over the table: one loop, a switch on each member's kind. */
function tableCodec(name, size, fields) {
  const names = fields.map((f) => f[0]);
  const where = names.map((n) => `${name}.${n}`);
  const keys = Object.create(null);
  for (const n of names) keys[n] = true;
  return {
    size,
    encode(value, target, offset = 0) {
      const dv = dataView(target);
      if (typeof value !== "object" || value === null) notAnObject(value, name);
      for (const key in value) if (keys[key] !== true) unknownMember(key, name, this);
      for (let i = 0; i < fields.length; i++) {
        const [m, at, kind] = fields[i];
        const v = value[m];
        if (kind === U32) dv.setUint32(offset + at, v === undefined ? 0 : u32(v, where[i]), LE);
        else if (kind === U64) dv.setBigUint64(offset + at, v === undefined ? 0n : u64(v, where[i]), LE);
        else if (kind === RESERVED32) {
          if (v !== undefined) mustBeZero(v, where[i]);
          dv.setUint32(offset + at, 0);
        } else dv.setUint32(offset + at, size, LE);
      }
    },
    decode: (source, offset = 0) => iommu_ioas_map.decode(source, offset),
  };
}

/**
 * The written-out encode with its offsets picked per variant at load (one body for every row,
 * as "variants as data" would emit it): each offset a property of the variant's table.
 */
function variantTableCodec(variant) {
  const O = [
    { size: 0, flags: 4, ioas_id: 8, __reserved: 12, user_va: 16, length: 24, iova: 32 },
    { size: 0, flags: 4, ioas_id: 8, __reserved: 12, user_va: 20, length: 28, iova: 36 },
  ][variant];
  return {
    size: 40,
    encode(value, target, offset = 0) {
      const dv = dataView(target);
      if (typeof value !== "object" || value === null) notAnObject(value, "iommu_ioas_map");
      for (const key in value) {
        switch (key) {
          case "size":
          case "flags":
          case "ioas_id":
          case "__reserved":
          case "user_va":
          case "length":
          case "iova":
            break;
          default:
            unknownMember(key, "iommu_ioas_map", this);
        }
      }
      const { flags: $flags = 0, ioas_id: $ioas_id = 0, __reserved: $__reserved, user_va: $user_va = 0n, length: $length = 0n, iova: $iova = 0n } = value;
      dv.setUint32(offset + O.__reserved, 0);
      dv.setUint32(offset + O.size, 40, LE);
      dv.setUint32(offset + O.flags, u32($flags, "iommu_ioas_map.flags"), LE);
      dv.setUint32(offset + O.ioas_id, u32($ioas_id, "iommu_ioas_map.ioas_id"), LE);
      if ($__reserved !== undefined) mustBeZero($__reserved, "iommu_ioas_map.__reserved");
      dv.setBigUint64(offset + O.user_va, u64($user_va, "iommu_ioas_map.user_va"), LE);
      dv.setBigUint64(offset + O.length, u64($length, "iommu_ioas_map.length"), LE);
      dv.setBigUint64(offset + O.iova, u64($iova, "iommu_ioas_map.iova"), LE);
    },
    decode: (source, offset = 0) => iommu_ioas_map.decode(source, offset),
  };
}

/** A view class whose accessors are defined from the table at load time. */
function tableView(name, fields) {
  const View = class extends RecordView {};
  for (const [m, at, kind] of fields) {
    if (kind !== U32) continue;
    const where = `${name}.${m}`;
    Object.defineProperty(View.prototype, m, {
      get() {
        return this.dataView.getUint32(this.byteOffset + at, LE);
      },
      set(v) {
        this.dataView.setUint32(this.byteOffset + at, u32(v, where), LE);
      },
    });
  }
  return View;
}

const table = tableCodec("iommu_ioas_map", 40, FIELDS);
const perVariant = variantTableCodec(Number(process.env.BENCH_VARIANT ?? 0));
// Several records' table views in use, as in a program: the shared accessor code sees them all.
const views = Array.from({ length: 8 }, (_, i) => tableView(`r${i}`, FIELDS));
const dv = new DataView(new ArrayBuffer(64));
for (const V of views) {
  const v = new V(dv, 0);
  for (let i = 0; i < 10_000; i++) v.flags = v.ioas_id + (i & 1);
}
const value = { flags: 1, ioas_id: 2, user_va: 0x1000n, length: 0x2000n, iova: 0n };
const handEncode = () => encodeIoasMap(dv, value);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function perCall(fn, n = 2_000_000) {
  for (let i = 0; i < 100_000; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}
// Four view accesses a round, as bench/runtime.mjs's view child makes.
function viewLoop(view, n = 2_000_000) {
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    view.flags = i & 1;
    view.ioas_id = i & 0xffff;
    sum = (sum + view.flags + view.ioas_id) | 0;
  }
  if (sum === 0.5) console.log(sum);
  return Number(process.hrtime.bigint() - t0) / n;
}
const rounds = { generated: [], table: [], perVariant: [], hand: [], viewGenerated: [], viewTable: [] };
for (let r = 0; r < 5; r++) {
  rounds.generated.push(perCall(() => iommu_ioas_map.encode(value, dv)));
  rounds.table.push(perCall(() => table.encode(value, dv)));
  rounds.perVariant.push(perCall(() => perVariant.encode(value, dv)));
  rounds.hand.push(perCall(handEncode));
  rounds.viewGenerated.push(viewLoop(iommu_ioas_map.view(dv)));
  rounds.viewTable.push(viewLoop(new views[0](dv, 0)));
}
const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
const ns = (x) => `${x.toFixed(1)} ns`;
console.log(`Command: \`npm run bench:table-driven\` (5 rounds, medians; Node ${process.version}).\n`);
console.log("| iommu_ioas_map | per call | ratio |\n| --- | ---: | ---: |");
console.log(`| encode, hand-written DataView (reference) | ${ns(m.hand)} | 1.00 |`);
console.log(`| encode, generated (written out) | ${ns(m.generated)} | ${(m.generated / m.hand).toFixed(2)} |`);
console.log(`| encode, driven by a member table | ${ns(m.table)} | ${(m.table / m.hand).toFixed(2)} |`);
console.log(`| encode, written out, offsets from the variant's table | ${ns(m.perVariant)} | ${(m.perVariant / m.hand).toFixed(2)} |`);
console.log(`| view, 4 accesses, generated class (reference) | ${ns(m.viewGenerated)} | 1.00 |`);
console.log(`| view, 4 accesses, accessors defined from a table | ${ns(m.viewTable)} | ${(m.viewTable / m.viewGenerated).toFixed(2)} |`);
