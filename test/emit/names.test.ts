// One export per name: an enumerator and the `#define X X` that makes it visible to #ifdef are
// one constant; anonymous records inside arrays get their `<outer>_<member>` names. (Records of
// included headers: plan.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { emitIoctlModule } from "#generator/emit/ioctls.js";
import { emitModule, linkContext } from "#generator/emit/module.js";
import { callName, callNames, camelCase, initName, pascalCase, recordNames, viewName } from "#generator/emit/names.js";
import { InputError } from "#generator/ir/diagnostics.js";
import * as iommufdCalls from "#linux/generated/iommufd-ioctls.js";
import { ioctls as iommufdIoctls } from "#linux/generated/iommufd.js";
import * as vfioCalls from "#linux/generated/vfio-ioctls.js";
import { ioctls as vfioIoctls } from "#linux/generated/vfio.js";
import { unsafeCallName } from "#runtime/names.js";
import { buildText, X86_64 } from "../helpers.js";

const HEADER = `#include <linux/types.h>
enum {
	T_PROTO_IP = 0,
#define T_PROTO_IP T_PROTO_IP
	T_PROTO_ICMP = 1,
#define T_PROTO_ICMP T_PROTO_ICMP
};
#define T_OTHER 7
struct t_caps {
	__u32 magic;
	struct {
		__u32 permitted;
	} data[2];
};
`;

test("an enumerator and its self-alias #define are one export; arrays of anonymous records are named", async () => {
  const built = buildText(HEADER, {}, "test.h", X86_64);
  assert.deepEqual(built.model.constants.map((c) => c.name), ["T_OTHER"]);
  const text = await emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
  assert.equal(text.match(/export const T_PROTO_IP\b/g)?.length, 1);
  assert.equal(text.match(/export const T_PROTO_ICMP\b/g)?.length, 1);
  assert.match(text, /data: t_caps_data\[\];/);
  assert.match(text, /export const t_caps_data = \{/);
});

test("a #define of another value than its enumerator (pkt_sched.h's __TC_MQPRIO_MODE_MAX) is the export", async () => {
  const text = `enum {\n\tT_MODE_DCB,\n\tT_MODE_CHANNEL,\n\t__T_MODE_MAX\n};\n#define __T_MODE_MAX (__T_MODE_MAX - 1)\nenum t_kind { T_A, T_LAST };\n#define T_LAST (T_LAST + 10)\n`;
  const built = buildText(text, {}, "test.h", X86_64);
  assert.deepEqual(built.model.constants.map((c) => [c.name, c.value.v]), [["__T_MODE_MAX", 1n], ["T_LAST", 11n]]);
  const out = await emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
  assert.equal(out.match(/export const __T_MODE_MAX\b/g)?.length, 1);
  assert.match(out, /export const __T_MODE_MAX = 1;/);
  // The enum object names what C code sees under T_LAST, the #define's value.
  assert.match(out, /export const T_LAST = 11;/);
  assert.match(out, /export const t_kind = \{ T_A: T_A, T_LAST: 11 \} as const;/);
});

test("one naming scheme: C names for what C declares, TypeScript case for what uapigen adds", async () => {
  assert.equal(pascalCase("iommu_ioas_map"), "IommuIoasMap");
  assert.equal(pascalCase("__kernel_timespec"), "__KernelTimespec");
  assert.equal(pascalCase("v4l2_ext_control"), "V4l2ExtControl");
  assert.equal(camelCase("IOMMU_IOAS_MAP"), "iommuIoasMap");
  assert.equal(camelCase("TCGETS2"), "tcgets2");
  assert.equal(initName("iommu_ioas_map"), "IommuIoasMapInit");
  assert.equal(viewName("iommu_ioas_map"), "IommuIoasMapView");
  assert.equal(callName("IOMMU_IOAS_MAP", "Async"), "iommuIoasMapAsync");

  const header = `#include <linux/types.h>\n#include <linux/ioctl.h>\nstruct t_arg { __u32 size; __u32 id; };\n#define T_GET _IOWR('t', 1, struct t_arg)\n`;
  const built = buildText(header, {}, "test.h", X86_64);
  const codecs = await emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
  // The request number is a number, in every module; the call is another name.
  assert.match(codecs, /export const T_GET = 0xc0087401;/);
  assert.match(codecs, /export interface t_arg \{/);
  assert.match(codecs, /export const t_arg = \{/);
  assert.match(codecs, /export type TArgInit = InitOf<t_arg[,>]/);
  assert.match(codecs, /export class TArgView extends RecordView implements t_arg \{/);
  assert.match(codecs, /function checkTArgKeys\(value: unknown\): void \{/);
  const names = recordNames(built.model, () => "./test.js", true);
  const calls = await emitIoctlModule(built.model, names, linkContext(built.model, names), { codecImport: "./test.js", callImport: "../runtime/call.js" });
  assert.match(calls, /export function tGet\(fd: number, args: TArgInit = \{\}\): t_arg \{/);
  assert.match(calls, /export async function tGetAsync\(/);
  assert.match(calls, /import type \{ TArgInit, t_arg \} from "\.\/test\.js";/);
  assert.doesNotMatch(calls, /function T_GET\b/);
});

test("two C names that spell one TypeScript name are a located name-clash error", async () => {
  const emit = async (text: string) => {
    const built = buildText(text, {}, "test.h", X86_64);
    return emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
  };
  await assert.rejects(emit("struct t_a_b { int x; };\nstruct t_a__b { int y; };\n"), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.diagnostic.rule, "name-clash");
    assert.equal(e.diagnostic.loc?.line, 2);
    assert.match(e.message, /the Init type of struct t_a__b and the Init type of struct t_a_b \(test\.h:1\) would both be called 'TABInit'/);
    return true;
  });
  // A record named like a runtime helper the module imports.
  await assert.rejects(emit("struct zero { int x; };\n"), /struct zero and the runtime's 'zero' would both be called 'zero'.*\[name-clash\]/);
});

test("the runtime names the Unsafe call the generated module exports", () => {
  let checked = 0;
  for (const [table, calls] of [[iommufdIoctls, iommufdCalls], [vfioIoctls, vfioCalls]] as const) {
    for (const name of Object.keys(table)) {
      const unsafe = unsafeCallName(name);
      assert.equal(unsafe, callName(name, "Unsafe"));
      // Where the module has an Unsafe form, the runtime's message names it exactly.
      if (unsafe in calls) checked++;
    }
  }
  assert.ok(checked >= 10, `${checked} Unsafe calls named`);
});

test("names keep what tells C names apart: a struct's letters, a request whose name ends in ASYNC", async () => {
  // videodev2.h declares both.
  assert.notEqual(pascalCase("v4l2_mpeg_vbi_ITV0"), pascalCase("v4l2_mpeg_vbi_itv0"));
  // ublk_cmd.h: UBLK_U_CMD_DEL_DEV's Async form would be UBLK_U_CMD_DEL_DEV_ASYNC's call.
  const name = callNames(["UBLK_U_CMD_DEL_DEV", "UBLK_U_CMD_DEL_DEV_ASYNC"]);
  assert.equal(name("UBLK_U_CMD_DEL_DEV_ASYNC"), "ublkUCmdDelDevAsync");
  assert.equal(name("UBLK_U_CMD_DEL_DEV", "Async"), "ublkUCmdDelDevCallAsync");
  assert.equal(name("UBLK_U_CMD_DEL_DEV_ASYNC", "Async"), "ublkUCmdDelDevAsyncAsync");

  const header = `#include <linux/ioctl.h>\n#define T_DEL _IO('t', 1)\n#define T_DEL_UNSAFE _IO('t', 2)\n`;
  const built = buildText(header, {}, "test.h", X86_64);
  const codecs = await emitModule([{ abi: X86_64, model: built.model, layout: built.layout }], { runtimeImport: "../runtime/codec.js" });
  const names = recordNames(built.model, () => "./test.js", true);
  const calls = await emitIoctlModule(built.model, names, linkContext(built.model, names), { codecImport: "./test.js", callImport: "../runtime/call.js" });
  assert.match(calls, /export function tDelUnsafe\(fd: number\): number/);
  assert.match(calls, /export function tDelCallUnsafe\(/);
  // The table names the Unsafe call the runtime cannot spell from the request.
  assert.match(codecs, /T_DEL: \{ name: "T_DEL", request: T_DEL, direction: "none", unsafeCall: "tDelCallUnsafe" \}/);
  assert.equal(unsafeCallName("T_DEL_UNSAFE"), "tDelUnsafeUnsafe");
});

test("a name TypeScript reserves, or a call named like a record the calls import, is a located error", async () => {
  const calls = async (text: string) => {
    const built = buildText(text, {}, "test.h", X86_64);
    const names = recordNames(built.model, () => "./test.js", true);
    return emitIoctlModule(built.model, names, linkContext(built.model, names), { codecImport: "./test.js", callImport: "../runtime/call.js" });
  };
  await assert.rejects(calls("#include <linux/ioctl.h>\n#define DELETE _IO('t', 1)\n"), /test\.h:2:9: error: the typed call delete would be called 'delete', which TypeScript reserves \[name-clash\]/);
  await assert.rejects(
    calls("#include <linux/types.h>\n#include <linux/ioctl.h>\nstruct foo { __u32 x; };\n#define FOO _IOW('t', 1, struct foo)\n"),
    /the typed call foo and the 'foo' the calls import would both be called 'foo' in the generated module \[name-clash\]/,
  );
});
