// Records of included headers are emitted once per run, in a module named after the header that
// declares them, and imported by every module that uses them (plan.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { emitModule } from "#generator/emit/module.js";
import { includeName, moduleSpecifier, planModules, type RunHeader } from "#generator/emit/plan.js";
import { recordNames } from "#generator/emit/names.js";
import { buildText, importsFrom, virtualIncludeDirs, VIRTUAL, X86_64 } from "../helpers.js";

const TYPES = `#include <linux/types.h>
typedef struct { __u8 b[16]; } t_guid_t;
struct t_cpuid { __u32 n; __u32 pad; };
enum t_kind { T_KIND_A = 1, T_KIND_B = 2 };
struct t_entry { t_guid_t id; enum t_kind kind; };
struct t_unused { __u32 x; };
`;

const A = `#include <linux/t_types.h>
#include <linux/ioctl.h>
struct t_vm { t_guid_t id; struct t_entry entries[2]; __u32 flags; };
#define T_GET_CPUID _IOWR('t', 1, struct t_cpuid)
`;

const B = `#include <linux/t_types.h>
#include <linux/ioctl.h>
#define T_B_CPUID _IOR('u', 1, struct t_cpuid)
`;

function plan() {
  const files = { "linux/t_types.h": TYPES, "linux/t_a.h": A, "linux/t_b.h": B };
  const run: RunHeader[] = ["t_a", "t_b"].map((name) => {
    const built = buildText(files[`linux/${name}.h` as keyof typeof files], files, `${name}.h`);
    return { file: `/out/${name}.ts`, units: [{ abi: X86_64, model: built.model, layout: built.layout }], includeDirs: [virtualIncludeDirs()] };
  });
  return planModules(run, "/out");
}

test("an included header's records that the run uses are planned once, in its own module", () => {
  const modules = plan();
  assert.deepEqual(modules.map((m) => [m.file, m.header, m.usedBy]), [
    ["/out/t_a.ts", "linux/t_a.h", undefined],
    ["/out/t_b.ts", "linux/t_b.h", undefined],
    ["/out/t_types.ts", "linux/t_types.h", ["linux/t_a.h", "linux/t_b.h"]],
  ]);
  const types = modules[2]!.units[0]!.model;
  const names = recordNames(types);
  // t_entry's members pull in t_guid_t (already used) and enum t_kind; t_unused is left out.
  assert.deepEqual(types.records.map((r) => names.of(r)).sort(), ["t_cpuid", "t_entry", "t_guid_t"]);
  assert.deepEqual(types.enums.map((e) => e.tag), ["t_kind"]);
  assert.deepEqual([...modules[0]!.imports], [["t_cpuid", "./t_types.js"], ["t_entry", "./t_types.js"], ["t_guid_t", "./t_types.js"]]);
  assert.deepEqual([...modules[1]!.imports], [["t_cpuid", "./t_types.js"]]);
  assert.deepEqual([...modules[2]!.imports], []);
});

test("each module imports what its code names and defines only its own records", async () => {
  const modules = plan();
  const [a, b, types] = await Promise.all(
    modules.map((m) => emitModule(m.units, { runtimeImport: "@uapigen/runtime/codec", header: m.header, usedBy: m.usedBy, imports: m.imports })),
  );
  assert.deepEqual(importsFrom(a!, "./t_types.js"), ["t_cpuid", "t_entry", "t_guid_t", "type TEntryInit", "type TGuidTInit", "TGuidTView"]);
  assert.deepEqual(importsFrom(b!, "./t_types.js"), ["t_cpuid"]);
  assert.match(b!, /argument: t_cpuid/);
  for (const text of [a!, b!]) assert.doesNotMatch(text, /export const t_(cpuid|guid_t|entry) =/);
  for (const name of ["t_guid_t", "t_cpuid", "t_entry", "t_kind", "T_KIND_A"]) assert.equal(types!.match(new RegExp(`^export const ${name}\\b`, "gm"))?.length, 1, name);
  assert.doesNotMatch(types!, /t_unused|ioctls|IoctlInfo/);
  assert.match(types!, /^ \* Bindings for the declarations of `<linux\/t_types\.h>` that `<linux\/t_a\.h>`, `<linux\/t_b\.h>` use \(their modules import them from here\)/m);
  assert.match(types!, /selectArch\("linux\/t_types\.h", \{ x86_64: 0 \}\)/);
});

test("an included header is named as C includes it, and imported relative to the importer", () => {
  assert.equal(includeName("/usr/include/x86_64-linux-gnu/asm/kvm.h", ["/usr/include", "/usr/include/x86_64-linux-gnu"]), "asm/kvm.h");
  assert.equal(includeName(`${VIRTUAL}/linux/t_types.h`, virtualIncludeDirs()), "linux/t_types.h");
  assert.equal(moduleSpecifier("/out/kvm.ts", "/out/asm/kvm.ts"), "./asm/kvm.js");
  assert.equal(moduleSpecifier("/out/asm/kvm.ts", "/out/types.ts"), "../types.js");
});
