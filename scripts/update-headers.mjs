#!/usr/bin/env node
// Vendors uAPI headers from Debian's linux-libc-dev, as QEMU does for its linux-headers/.
//
//   npm run headers:update -- 7.3.4-1~bpo13+1
//
// Downloads the package through a private apt configuration (the system's sources are never
// touched), unpacks it, copies the headers we generate from plus everything they can include
// (for every architecture's asm/ directory), and writes PROVENANCE.json with the package
// version and the sha256 of the .deb and of every vendored file.
import { execFileSync } from "node:child_process";
import { downloadDeb, SUITES } from "./lib/debian.mjs";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOTS = ["linux/iommufd.h", "linux/vfio.h"];

function usage(msg) {
  if (msg) console.error(`update-headers: error: ${msg}`);
  console.error("usage: npm run headers:update -- <linux-libc-dev version> [--dest DIR]");
  process.exit(2);
}

const args = process.argv.slice(2);
let version;
let dest;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--dest") dest = args[++i];
  else if (args[i] === "-h" || args[i] === "--help") usage();
  else if (!version) version = args[i];
  else usage(`unexpected argument '${args[i]}'`);
}
if (!version) usage("a version is required");
const series = /^(\d+\.\d+)/.exec(version)?.[1];
if (!series) usage(`'${version}' does not look like a Debian kernel version`);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
dest = path.resolve(dest ?? path.join(repo, "headers", series));

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/** Every header reachable from ROOTS through #include <...>, for all architectures' asm dirs. */
function includeClosure(include) {
  const archDirs = fs
    .readdirSync(include)
    .filter((d) => fs.existsSync(path.join(include, d, "asm")));
  const found = new Set();
  const queue = [...ROOTS];
  while (queue.length) {
    const rel = queue.pop();
    if (found.has(rel)) continue;
    found.add(rel);
    const text = fs.readFileSync(path.join(include, rel), "utf8");
    for (const m of text.matchAll(/^\s*#\s*include\s*[<"]([^>"]+)[>"]/gm)) {
      const target = m[1];
      for (const base of ["", ...archDirs]) {
        const candidate = path.join(base, target);
        if (fs.existsSync(path.join(include, candidate))) queue.push(candidate);
      }
    }
  }
  return [...found].sort();
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "uapigen-headers-"));
try {
  const deb = downloadDeb(`linux-libc-dev=${version}`, work);
  const unpacked = path.join(work, "root");
  execFileSync("dpkg-deb", ["-x", deb, unpacked]);
  const include = path.join(unpacked, "usr", "include");
  const files = includeClosure(include);
  // Build the new tree beside the destination and swap it in, so a failure leaves the old one.
  const staging = `${dest}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const hashes = {};
  for (const rel of files) {
    const data = fs.readFileSync(path.join(include, rel));
    fs.mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
    fs.writeFileSync(path.join(staging, rel), data);
    hashes[rel] = sha256(data);
  }
  const provenance = {
    package: "linux-libc-dev",
    version,
    source: `Debian ${SUITES.join(", ")} (${path.basename(deb)})`,
    deb_sha256: sha256(fs.readFileSync(deb)),
    roots: ROOTS,
    files: hashes,
  };
  fs.writeFileSync(path.join(staging, "PROVENANCE.json"), JSON.stringify(provenance, null, 2) + "\n");
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(staging, dest);
  console.log(`vendored ${files.length} headers from linux-libc-dev ${version} into ${path.relative(repo, dest)}`);
} catch (err) {
  console.error(`update-headers: error: ${err.message}`);
  process.exitCode = 2;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
