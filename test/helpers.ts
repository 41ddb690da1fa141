// Shared test helpers: the repo root and the vendored headers.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAbi, type Abi } from "../generator/model/abi.js";

/** The repository root (tests run from dist/test/...). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const header = (version: string, name: string) => path.join(ROOT, "headers", version, "linux", name);

export const X86_64: Abi = getAbi("x86_64")!;

export const CLI = path.join(ROOT, "bin", "uapigen.js");
