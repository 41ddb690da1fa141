// The reference the codec benchmarks measure against: iommu_ioas_map written by hand with
// DataView, on a little-endian machine, checking nothing (bench/runtime.mjs, table-driven.mjs).

export function encodeIoasMap(dv, value) {
  dv.setUint32(0, 40, true);
  dv.setUint32(4, value.flags, true);
  dv.setUint32(8, value.ioas_id, true);
  dv.setUint32(12, 0, true);
  dv.setBigUint64(16, value.user_va, true);
  dv.setBigUint64(24, value.length, true);
  dv.setBigUint64(32, value.iova, true);
}

export function decodeIoasMap(dv) {
  return {
    size: dv.getUint32(0, true),
    flags: dv.getUint32(4, true),
    ioas_id: dv.getUint32(8, true),
    __reserved: dv.getUint32(12, true),
    user_va: dv.getBigUint64(16, true),
    length: dv.getBigUint64(24, true),
    iova: dv.getBigUint64(32, true),
  };
}
