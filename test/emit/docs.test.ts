// Every struct member in the generated modules carries its kerneldoc description; kerneldoc
// references become links.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { blocksText, inlineText } from "#generator/emit/tsdoc.js";
import { header, ROOT } from "../helpers.js";
import { memberDocs, plainDocText } from "./member-docs.js";

for (const name of ["iommufd.h", "vfio.h"]) {
  test(`every documented member of ${name} carries its description in linux/generated/`, () => {
    const file = header("7.3", name);
    const text = plainDocText(fs.readFileSync(path.join(ROOT, "linux", "generated", name.replace(".h", ".ts")), "utf8"));
    let checked = 0;
    for (const { where, doc } of memberDocs(file)) {
      assert.ok(text.includes(doc), `${where}: "${doc}"`);
      checked++;
    }
    assert.ok(checked > 60, `${checked} member descriptions checked`);
  });
}

test("struct names and ioctls in docs become {@link}s; TSDoc specials are escaped", () => {
  const ctx = { symbols: new Set(["iommu_ioas_map", "IOMMU_IOAS_MAP"]) };
  assert.equal(inlineText("see struct iommu_ioas_map and IOMMU_IOAS_MAP", ctx), "see {@link iommu_ioas_map | struct iommu_ioas_map} and {@link IOMMU_IOAS_MAP}");
  assert.equal(inlineText("set @flags to {0} <x>", ctx), "set `flags` to \\{0\\} \\<x\\>");
  assert.equal(inlineText("struct unknown stays text", ctx), "struct unknown stays text");
});

test("kerneldoc lists stay Markdown lists; unindented continuation lines stay with their item", () => {
  const at = (text: string, line: number) => ({ text, loc: { file: "x.h", line, column: 4 } });
  const lines = ["Errnos, such as:", "- ENOTTY: not supported", "- E2BIG: the structure has", "non-zero bytes", "1) first", "2. second"].map(at);
  assert.equal(
    blocksText([{ kind: "text", lines }], { symbols: new Set() }),
    "Errnos, such as:\n\n- ENOTTY: not supported\n- E2BIG: the structure has non-zero bytes\n1. first\n2. second",
  );
  // A wrapped sentence whose next line starts with a number is no list: a list follows a `:`.
  assert.equal(blocksText([{ kind: "text", lines: ["the header is version", "2. The kernel checks it"].map(at) }], { symbols: new Set() }), "the header is version 2. The kernel checks it");
  // A dash inside a sentence or a negative errno is no item.
  assert.equal(blocksText([{ kind: "text", lines: ["returns", "-EINVAL on error - or not"].map(at) }], { symbols: new Set() }), "returns -EINVAL on error - or not");
});
