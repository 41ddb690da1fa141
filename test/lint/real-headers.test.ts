// The linter on the vendored headers. Every finding below was read against the header text and
// is a real defect (README, "Defects found in Linux 7.3's iommufd.h"); a new finding is a
// false alarm to fix in the rule, or a new defect to confirm, never an expected output.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lintHeaders } from "#generator/lint/lint.js";
import { header, X86_64 } from "../helpers.js";

const lint = (...files: string[]) =>
  lintHeaders(files, { abi: X86_64 }).map((f) => `${f.loc.file.split("/").slice(-1)[0]}:${f.loc.line}:${f.loc.column} ${f.rule} ${f.name}${f.suggestion ? ` -> ${f.suggestion}` : ""}`);

const IOMMUFD_73 = [
  "iommufd.h:93:36 unknown-reference IOMMU_IOVA_RANGE",
  "iommufd.h:534:25 unknown-reference IOMMUFD_FAULT",
  "iommufd.h:779:35 unknown-reference iommu_hw_capabilities -> iommufd_hw_capabilities",
  "iommufd.h:815:1 not-kerneldoc-comment iommufd_hwpt_set_dirty_tracking_flags -> /**",
  "iommufd.h:1170:60 unknown-reference IOMMU_DESTORY -> IOMMU_DESTROY",
  "iommufd.h:1192:45 unknown-reference VFIO_IOAS_CHANGE_PROCESS -> IOMMU_IOAS_CHANGE_PROCESS",
];

const VFIO_73 = [
  "vfio.h:143:11 unknown-reference vfio_group_info -> vfio_group_status",
  "vfio.h:788:46 unknown-reference vfio_device_query_gfx_plane -> vfio_device_gfx_plane_info",
  "vfio.h:905:1 not-kerneldoc-comment VFIO_DEVICE_BIND_IOMMUFD -> /**",
  "vfio.h:942:1 not-kerneldoc-comment VFIO_DEVICE_ATTACH_IOMMUFD_PT -> /**",
  "vfio.h:982:1 not-kerneldoc-comment VFIO_DEVICE_DETACH_IOMMUFD_PT -> /**",
  "vfio.h:1300:40 stale-member-reference dirty_byte -> dirty_bytes",
  // Upon VFIO_DEVICE_FEATURE_... comments opened with /**: kernel-doc rejects them too.
  "vfio.h:1479:1 malformed-kerneldoc /** -> /*",
  "vfio.h:1500:1 malformed-kerneldoc /** -> /*",
  "vfio.h:1537:1 malformed-kerneldoc /** -> /*",
  "vfio.h:1561:65 unknown-reference vfio_iommu_info -> vfio_iommu_type1_info",
  "vfio.h:1564:11 unknown-reference vfio_iommu_info -> vfio_iommu_type1_info",
  "vfio.h:1641:64 unknown-reference vfio_dma_map -> vfio_iommu_type1_dma_map",
  "vfio.h:1644:20 unknown-reference vfio_dma_map -> vfio_iommu_type1_dma_map",
  "vfio.h:1675:17 unknown-reference vfio_dma_unmap -> vfio_iommu_type1_dma_unmap",
  "vfio.h:1677:57 unknown-reference vfio_dma_unmap -> vfio_iommu_type1_dma_unmap",
];

test("iommufd.h 7.3: exactly the confirmed defects", () => {
  assert.deepEqual(lint(header("7.3", "iommufd.h")), IOMMUFD_73);
});

test("iommufd.h 6.12: the same defects where the text was already there", () => {
  assert.deepEqual(lint(header("6.12", "iommufd.h")), [
    "iommufd.h:86:36 unknown-reference IOMMU_IOVA_RANGE",
    "iommufd.h:418:25 unknown-reference IOMMUFD_FAULT",
    "iommufd.h:532:35 unknown-reference iommu_hw_capabilities -> iommufd_hw_capabilities",
    "iommufd.h:565:1 not-kerneldoc-comment iommufd_hwpt_set_dirty_tracking_flags -> /**",
  ]);
});

test("vfio.h 7.3, alone and linted together with iommufd.h", () => {
  assert.deepEqual(lint(header("7.3", "vfio.h")), VFIO_73);
  assert.deepEqual(lint(header("7.3", "vfio.h"), header("7.3", "iommufd.h")), [...IOMMUFD_73, ...VFIO_73]);
});
