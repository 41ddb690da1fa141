// One export per name: an enumerator and the `#define X X` that makes it visible to #ifdef are
// one constant; anonymous records inside arrays get their `<outer>_<member>` names. (Records of
// included headers: plan.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { emitModule } from "#generator/emit/module.js";
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
