// Kerneldoc parsing: titles, members (continuations, nested names), sections, literal blocks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKernelDoc, proseOf } from "#generator/parse/kerneldoc.js";

const at = { file: "h.h", line: 10, column: 1 };

test("struct title, members with continuation lines and nested names", () => {
  const doc = parseKernelDoc(
    [
      "/**",
      " * struct iommu_x - ioctl(IOMMU_X)",
      " * @size: sizeof(struct iommu_x)",
      " * @flags: Combination of",
      " *         enum iommu_x_flags",
      " * @vdata.flags: nested",
      " *",
      " * Free text that names @size.",
      " */",
    ].join("\n"),
    at,
  )!;
  assert.equal(doc.kind, "struct");
  assert.equal(doc.name, "iommu_x");
  assert.deepEqual(doc.nameLoc, { file: "h.h", line: 11, column: 11 });
  assert.deepEqual(doc.ioctl, { name: "IOMMU_X" });
  assert.deepEqual(doc.params.map((p) => [p.name, proseOf(p.lines)]), [
    ["size", "sizeof(struct iommu_x)"],
    ["flags", "Combination of enum iommu_x_flags"],
    ["vdata.flags", "nested"],
  ]);
  assert.deepEqual(doc.params[1]!.loc, { file: "h.h", line: 13, column: 5 });
  assert.equal(doc.description.length, 1);
});

test("sections and literal blocks after ::", () => {
  const doc = parseKernelDoc(
    ["/**", " * enum e - summary", " *", " * Example::", " *", " *   code here", " *   more", " *", " * After.", " *", " * Return: 0 on success", " */"].join("\n"),
    at,
  )!;
  assert.deepEqual(doc.description.map((b) => [b.kind, b.lines.map((l) => l.text.trim()).join("|")]), [
    ["text", "Example::"],
    ["literal", "code here|more"],
    ["text", "After."],
  ]);
  assert.equal(doc.sections[0]!.title, "Return");
  assert.equal(proseOf(doc.sections[0]!.blocks[0]!.lines), "0 on success");
});

test("an ioctl signature split over lines, and DOC: blocks", () => {
  const doc = parseKernelDoc("/**\n * VFIO_X - _IOR(VFIO_TYPE, VFIO_BASE + 7,\n *\t\t\tstruct vfio_y)\n * Text.\n */", at)!;
  assert.deepEqual(doc.ioctl, { name: "VFIO_X", macro: "_IOR", argument: "struct vfio_y" });
  const d = parseKernelDoc("/**\n * DOC: General ioctl format\n *\n * Body.\n */", at)!;
  assert.equal(d.kind, "doc");
  assert.equal(d.name, "General ioctl format");
});

test("a comment that is not kerneldoc is not parsed as one", () => {
  assert.equal(parseKernelDoc("/* just a note */", at), undefined);
  assert.equal(parseKernelDoc("/**\n * Just prose, no title.\n */", at), undefined);
});
