// How much one module may hold. Emitting cost some 2 ms and 100 KB of memory per record member
// when ts-morph built the module and prettier formatted it (emit/print/, which does both now,
// costs a fraction of that), twice that per record, a tenth of that per constant, and 150 bytes
// per byte of comment turned into docs: a header with 100,000 members would take minutes and
// gigabytes. The largest header of /usr/include/linux has 170 records,
// 687 members, 915 constants and some 250 KB of comments.
import { fail } from "../ir/diagnostics.js";
import type { HeaderModel } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import { emittedRecords } from "./names.js";

export const MAX_MODULE_RECORDS = 1024;
export const MAX_MODULE_MEMBERS = 4096;
export const MAX_MODULE_CONSTANTS = 16384;
export const MAX_MODULE_COMMENT_BYTES = 2 * 2 ** 20;

/** Fails, at the declaration that goes past it, when a module would hold more than the limits. */
export function checkModuleSize(model: HeaderModel, layout: LayoutEngine): void {
  let members = 0;
  const records = emittedRecords(model);
  if (records.length > MAX_MODULE_RECORDS) {
    fail("module-size", `too much to emit: the module would hold more than ${MAX_MODULE_RECORDS} structs and unions`, records[MAX_MODULE_RECORDS]!.loc);
  }
  for (const r of records) {
    const flat = layout.flatten(r);
    if (members + flat.length > MAX_MODULE_MEMBERS) {
      const at = flat[MAX_MODULE_MEMBERS - members]!.member;
      fail("module-size", `too much to emit: the module would hold more than ${MAX_MODULE_MEMBERS} record members (${r.kind} ${r.tag ?? r.typedefName ?? "<anonymous>"} has ${flat.length})`, at.loc);
    }
    members += flat.length;
  }
  let bytes = 0;
  for (const c of model.comments) {
    bytes += c.text.length;
    if (bytes > MAX_MODULE_COMMENT_BYTES) fail("module-size", `too much to emit: the header's comments, the module's docs, are more than ${MAX_MODULE_COMMENT_BYTES} bytes`, c.loc);
  }
  const constants = [...model.constants, ...model.enums.flatMap((e) => e.enumerators)];
  if (constants.length > MAX_MODULE_CONSTANTS) {
    fail("module-size", `too much to emit: the module would hold more than ${MAX_MODULE_CONSTANTS} constants and enumerators`, constants[MAX_MODULE_CONSTANTS]!.loc);
  }
}
