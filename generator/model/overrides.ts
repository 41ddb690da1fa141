// The reviewed override files (`overrides/<header>.json`): their schema, and reading one with
// every mistake a located diagnostic (the key's line in the file), as uapigen.config.json is.
import fs from "node:fs";
import { z } from "zod";
import { fail, jsonKeyLocation } from "../ir/diagnostics.js";

const reason = z.string().min(1, "every override says why: a non-empty 'reason'");

const IoctlOverrideSchema = z.strictObject({
  /** "struct x" or a scalar type name; only a legacy request of direction "none" may go without. */
  argument: z.string().optional(),
  /** How a scalar is passed. */
  passing: z.enum(["value", "pointer", "string"]).optional(),
  /**
   * The constant is a request although the header does not encode it with _IOC (tty's
   * `#define TIOCGWINSZ 0x5413`): the data direction `_IOR`/`_IOW`/`_IOWR`/`_IO` would give.
   */
  legacyRequest: z.strictObject({ direction: z.enum(["none", "write", "read", "readwrite"]) }).optional(),
  reason,
});

const UserPointerOverrideSchema = z.strictObject({
  pointee: z.string().optional(),
  count: z.string().optional(),
  elementSize: z.number().int().positive().optional(),
  entrySize: z.string().optional(),
  bytes: z.number().int().positive().optional(),
  bitmap: z.strictObject({ length: z.string(), pageSize: z.string() }).optional(),
  persistent: z.boolean().optional(),
  reason,
});

const TrailingOverrideSchema = z.strictObject({
  unsafe: z.string().optional(),
  safeWhen: z.strictObject({ member: z.string(), mask: z.number().int(), values: z.array(z.number().int()), reason }).optional(),
  count: z.string().optional(),
  reason,
});

export const OverridesSchema = z.strictObject({
  $comment: z.string().optional(),
  /** IOCTL_NAME -> argument, how a scalar is passed, and whether a plain number is a request. */
  ioctls: z.record(z.string(), IoctlOverrideSchema).optional(),
  /** "struct.member" -> pointer facts: what bounds the bytes the kernel touches behind it. */
  userPointers: z.record(z.string(), UserPointerOverrideSchema).optional(),
  /** "struct" -> trailing bytes that safe calls refuse (they carry user pointers). */
  trailing: z.record(z.string(), TrailingOverrideSchema).optional(),
});

export type Overrides = z.infer<typeof OverridesSchema>;
export type IoctlOverride = z.infer<typeof IoctlOverrideSchema>;

/** The overrides of a header; no file means none. */
export function loadOverrides(file: string): Overrides {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail("override", `invalid JSON: ${(err as Error).message}`, { file, line: 1, column: 1 });
  }
  const parsed = OverridesSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const where = keys.length ? [...issue.path, keys[0]!] : issue.path;
  const message = keys.length ? `unknown key ${keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
  fail("override", `'${where.map(String).join(".")}': ${message}`, { file, ...jsonKeyLocation(text, where) });
}
