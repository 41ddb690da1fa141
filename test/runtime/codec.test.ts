// Encoders reject what C would truncate, naming the member.
import assert from "node:assert/strict";
import { test } from "node:test";
import { iommu_ioas_map } from "#linux/generated/iommufd.js";

const buf = new DataView(new ArrayBuffer(iommu_ioas_map.size));

test("out-of-range, negative and non-integer values are RangeErrors naming the member", () => {
  assert.throws(() => iommu_ioas_map.encode({ flags: -1 }, buf), { name: "RangeError", message: "iommu_ioas_map.flags: -1 does not fit in __u32" });
  assert.throws(() => iommu_ioas_map.encode({ ioas_id: 2 ** 32 }, buf), /iommu_ioas_map\.ioas_id: 4294967296 does not fit in __u32/);
  assert.throws(() => iommu_ioas_map.encode({ flags: 1.5 }, buf), /iommu_ioas_map\.flags: 1\.5/);
  assert.throws(() => iommu_ioas_map.encode({ length: -1n }, buf), /iommu_ioas_map\.length: -1n does not fit in __u64/);
  assert.throws(() => iommu_ioas_map.encode({ iova: 2n ** 64n }, buf), /iommu_ioas_map\.iova/);
  assert.throws(() => iommu_ioas_map.encode({ user_va: 2 ** 60 }, buf), /iommu_ioas_map\.user_va/, "unsafe integers as numbers");
});

test("size is filled in and reserved members are zeroed", () => {
  const bytes = new Uint8Array(buf.buffer).fill(0xff);
  iommu_ioas_map.encode({ flags: 1, ioas_id: 2, user_va: 0x1000n, length: 4096, iova: 0n }, buf);
  assert.deepEqual(iommu_ioas_map.decode(buf), { size: 40, flags: 1, ioas_id: 2, __reserved: 0, user_va: 0x1000n, length: 4096n, iova: 0n });
  assert.equal(bytes.length, 40);
});
