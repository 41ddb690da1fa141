// The reviewed override files (`overrides/<header>.json`): their schema, and reading one with
// every mistake a located diagnostic (the key's line in the file), as uapigen.config.json is.
import fs from "node:fs";
import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { fail, jsonKeyLocation } from "../ir/diagnostics.js";

/**
 * The schema, made only for a file the plain test below refuses: loading zod and building it
 * cost some 40 ms of every run (15 ms bundled), its check of a valid file 2 ms.
 */
export function overridesSchema(z: typeof Zod) {
  const reason = z.string().min(1, "every override says why: a non-empty 'reason'");

  const IoctlOverrideSchema = z.strictObject({
    /** "struct x" or a scalar type name; only a legacy request of direction "none" may go without. */
    argument: z.string().optional(),
    /** How a scalar is passed. */
    passing: z.enum(PASSINGS).optional(),
    /**
     * The constant is a request although the header does not encode it with _IOC (tty's
     * `#define TIOCGWINSZ 0x5413`): the data direction `_IOR`/`_IOW`/`_IOWR`/`_IO` would give.
     */
    legacyRequest: z.strictObject({ direction: z.enum(DIRECTIONS) }).optional(),
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

  return z.strictObject({
    $comment: z.string().optional(),
    /** IOCTL_NAME -> argument, how a scalar is passed, and whether a plain number is a request. */
    ioctls: z.record(z.string(), IoctlOverrideSchema).optional(),
    /** "struct.member" -> pointer facts: what bounds the bytes the kernel touches behind it. */
    userPointers: z.record(z.string(), UserPointerOverrideSchema).optional(),
    /** "struct" -> trailing bytes that safe calls refuse (they carry user pointers). */
    trailing: z.record(z.string(), TrailingOverrideSchema).optional(),
  });
}

const PASSINGS = ["value", "pointer", "string"] as const;
const DIRECTIONS = ["none", "write", "read", "readwrite"] as const;

export type Overrides = Zod.infer<ReturnType<typeof overridesSchema>>;
export type IoctlOverride = NonNullable<Overrides["ioctls"]>[string];

type Test = (v: unknown) => boolean;
const optional = (test: Test) => (v: unknown) => v === undefined || test(v);
const str: Test = (v) => typeof v === "string";
const int: Test = (v) => Number.isSafeInteger(v);
const oneOf = (xs: readonly string[]) => (v: unknown) => xs.includes(v as string);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** An object with these keys only, each passing its test (a key not in it is absent). */
const strict = (shape: Record<string, Test>) => (v: unknown) =>
  isObject(v) && Object.keys(v).every((k) => Object.hasOwn(shape, k)) && Object.entries(shape).every(([k, test]) => test(v[k]));
const record = (test: Test) => optional((v) => isObject(v) && Object.values(v).every(test));
const reason: Test = (v) => typeof v === "string" && v.length > 0;

/**
 * The schema's test without zod, key for key: what it accepts zod accepts as well
 * (test/model/overrides.test.ts checks that on generated files); what it refuses, zod reads
 * again to say why.
 */
export const plainlyValid = strict({
  $comment: optional(str),
  ioctls: record(strict({ argument: optional(str), passing: optional(oneOf(PASSINGS)), legacyRequest: optional(strict({ direction: oneOf(DIRECTIONS) })), reason })),
  userPointers: record(
    strict({
      pointee: optional(str),
      count: optional(str),
      elementSize: optional((v) => int(v) && (v as number) > 0),
      entrySize: optional(str),
      bytes: optional((v) => int(v) && (v as number) > 0),
      bitmap: optional(strict({ length: str, pageSize: str })),
      persistent: optional((v) => typeof v === "boolean"),
      reason,
    }),
  ),
  trailing: record(
    strict({
      unsafe: optional(str),
      safeWhen: optional(strict({ member: str, mask: int, values: (v) => Array.isArray(v) && v.every(int), reason })),
      count: optional(str),
      reason,
    }),
  ),
}) as (json: unknown) => json is Overrides;

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
  if (plainlyValid(json)) return json;
  // zod's CommonJS build, so that this stays synchronous.
  const parsed = overridesSchema(createRequire(import.meta.url)("zod").z as typeof Zod).safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const where = keys.length ? [...issue.path, keys[0]!] : issue.path;
  const message = keys.length ? `unknown key ${keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
  fail("override", `'${where.map(String).join(".")}': ${message}`, { file, ...jsonKeyLocation(text, where) });
}
