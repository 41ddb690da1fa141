// Legacy requests: tty's plain numbers (`#define TIOCGWINSZ 0x5413`) become requests only where
// the reviewed override file declares them so, with the direction and argument it gives; every
// inconsistent declaration is a located error, never a guess.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "#generator/ir/diagnostics.js";
import type { Overrides } from "#generator/model/overrides.js";
import type { ConstantDecl, IoctlDecl } from "#generator/ir/decls.js";
import { buildText, X86_64 } from "../helpers.js";

const HEADER = `#include <linux/types.h>
#include <linux/ioctl.h>
struct winsize { unsigned short ws_row; unsigned short ws_col; unsigned short ws_xpixel; unsigned short ws_ypixel; };
#define TCSBRK 0x5409
#define TIOCEXCL 0x540C
#define TIOCGWINSZ 0x5413
#define FIONREAD 0x541B
#define TIOCINQ FIONREAD
#define T_ENCODED _IOR('T', 0x60, struct winsize)
#define NOT_A_REQUEST (-1)
`;

const H = "/virtual/include/linux/test.h";

const DECLARED: Overrides = {
  ioctls: {
    TCSBRK: { legacyRequest: { direction: "none" }, argument: "int", passing: "value", reason: "tty_ioctl() takes the duration itself" },
    TIOCEXCL: { legacyRequest: { direction: "none" }, reason: "takes nothing" },
    TIOCGWINSZ: { legacyRequest: { direction: "read" }, argument: "struct winsize", reason: "copy_to_user of a struct winsize" },
    FIONREAD: { legacyRequest: { direction: "read" }, argument: "int", reason: "put_user of an int" },
    T_ENCODED: { legacyRequest: { direction: "read" }, argument: "struct winsize", reason: "encoded here, legacy elsewhere" },
  },
};

function ioctlOf(constants: ConstantDecl[], name: string): IoctlDecl | undefined {
  const c = constants.find((x) => x.name === name);
  assert.ok(c, `${name} is a constant`);
  return c.ioctl;
}

test("a legacy request takes the override's direction and argument; its number is sent as is", () => {
  const { model } = buildText(HEADER, {}, "test.h", X86_64, DECLARED);
  const winsize = model.records.find((r) => r.tag === "winsize");
  const { argument, ...gwinsz } = ioctlOf(model.constants, "TIOCGWINSZ")!;
  assert.equal(argument, winsize);
  assert.deepEqual(gwinsz, { name: "TIOCGWINSZ", request: 0x5413n, direction: "read", type: 0x54, nr: 0x13, size: 0, legacy: true, scalarArgument: undefined, argumentSource: "override" });
  // A scalar the kernel writes is passed through a pointer, as for _IOR(..., int).
  assert.deepEqual(ioctlOf(model.constants, "FIONREAD"), {
    name: "FIONREAD",
    request: 0x541bn,
    direction: "read",
    type: 0x54,
    nr: 0x1b,
    size: 0,
    legacy: true,
    argument: undefined,
    scalarArgument: { kind: "builtin", name: "int" },
    scalarPassing: "pointer",
    argumentSource: "override",
  });
  assert.deepEqual(ioctlOf(model.constants, "TCSBRK"), {
    name: "TCSBRK",
    request: 0x5409n,
    direction: "none",
    type: 0x54,
    nr: 0x09,
    size: 0,
    legacy: true,
    argument: undefined,
    scalarArgument: { kind: "builtin", name: "int" },
    scalarPassing: "value",
    argumentSource: "override",
  });
  assert.deepEqual(ioctlOf(model.constants, "TIOCEXCL"), { name: "TIOCEXCL", request: 0x540cn, direction: "none", type: 0x54, nr: 0x0c, size: 0, legacy: true, argumentSource: "override" });
  // An alias of a declared number is not declared with it: a request is named, not guessed.
  assert.equal(ioctlOf(model.constants, "TIOCINQ"), undefined);
  // Where the header encodes the request, the encoding stands and the declaration only agrees.
  const encoded = ioctlOf(model.constants, "T_ENCODED")!;
  assert.equal(encoded.legacy, undefined);
  assert.deepEqual([encoded.request, encoded.direction, encoded.size, encoded.argument], [0x80085460n, "read", 8, winsize]);
});

test("without a declaration a plain number stays a constant", () => {
  const { model } = buildText(HEADER, {}, "test.h", X86_64);
  for (const name of ["TCSBRK", "TIOCEXCL", "TIOCGWINSZ", "FIONREAD"]) assert.equal(ioctlOf(model.constants, name), undefined, name);
});

function diagnostic(ioctls: NonNullable<Overrides["ioctls"]>): string {
  try {
    buildText(HEADER, {}, "test.h", X86_64, { ioctls });
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${(err as Error).stack}`);
    return err.message;
  }
  assert.fail("expected a diagnostic");
}

const at = "overrides/test.json:1:1: error:";

test("an inconsistent legacy declaration is a located error naming what is wrong", () => {
  assert.equal(
    diagnostic({ TIOCNOPE: { legacyRequest: { direction: "read" }, argument: "int", reason: "" } }),
    `${at} override declares 'TIOCNOPE' a legacy request, but ${H} does not define it [override]`,
  );
  assert.equal(
    diagnostic({ FIONREAD: { legacyRequest: { direction: "in" as "read" }, argument: "int", reason: "" } }),
    `${at} override for 'FIONREAD': legacyRequest.direction is "in"; it takes "none", "read", "write" or "readwrite" [override]`,
  );
  assert.equal(
    diagnostic({ FIONREAD: { legacyRequest: "read" as unknown as { direction: "read" }, argument: "int", reason: "" } }),
    `${at} override for 'FIONREAD': legacyRequest.direction is undefined; it takes "none", "read", "write" or "readwrite" [override]`,
  );
  assert.equal(
    diagnostic({ T_ENCODED: { legacyRequest: { direction: "write" }, argument: "struct winsize", reason: "" } }),
    `${at} override declares 'T_ENCODED' a legacy write request, but ${H} encodes it with _IOC as read [override]`,
  );
  assert.equal(
    diagnostic({ NOT_A_REQUEST: { legacyRequest: { direction: "none" }, reason: "" } }),
    `${at} override declares 'NOT_A_REQUEST' a legacy request, but its value -1 is not a request number (0 to 0xffffffff) [override]`,
  );
  // The runtime could not size the memory the kernel writes: refused rather than left to the caller.
  assert.equal(
    diagnostic({ TIOCGWINSZ: { legacyRequest: { direction: "read" }, reason: "" } }),
    `${at} override declares 'TIOCGWINSZ' a legacy read request without an argument: the runtime sizes what the kernel writes from the argument's type [override]`,
  );
  assert.equal(
    diagnostic({ TIOCGWINSZ: { legacyRequest: { direction: "write" }, reason: "" } }),
    `${at} override declares 'TIOCGWINSZ' a legacy write request without an argument: the runtime sizes what the kernel reads from the argument's type [override]`,
  );
  assert.equal(
    diagnostic({ TIOCGWINSZ: { legacyRequest: { direction: "read" }, argument: "struct winsz", reason: "" } }),
    `${at} override for 'TIOCGWINSZ' names unknown type 'struct winsz' [override]`,
  );
});

test("an override of a plain number without legacyRequest says how to declare it", () => {
  assert.equal(
    diagnostic({ TIOCGWINSZ: { argument: "struct winsize", reason: "" } }),
    `${at} override names ioctl 'TIOCGWINSZ', which ${H} defines as a plain number: declare it a request with legacyRequest [override]`,
  );
  assert.equal(diagnostic({ T_ENCODED: { reason: "" } }), `${at} override for 'T_ENCODED' names no argument [override]`);
});
