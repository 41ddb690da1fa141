// The parts of Debian's linux-source package and linux-libc-dev the lint tests read, unpacked
// once into ~/.cache/uapigen (the whole source tree is not needed: the uAPI headers and
// kernel-doc are).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { downloadDeb } from "./debian.mjs";

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "uapigen");

/** What kernel-doc needs to run (7.x: a Python tool under tools/) and the uAPI headers. */
const SOURCE_PARTS = ["include/uapi", "arch/*/include/uapi", "scripts/kernel-doc*", "tools/docs", "tools/lib/python", "scripts/lib"];

/** The unpacked parts of linux-source-<series>=<version>: its root directory. */
export function kernelSource(series, version, log = console.log) {
  const dir = path.join(CACHE, "kernel-source", `${series}-${version}`);
  if (fs.existsSync(path.join(dir, ".complete"))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const work = fs.mkdtempSync(path.join(CACHE, "kernel-source-download-"));
  try {
    log(`downloading linux-source-${series}=${version}`);
    const deb = downloadDeb(`linux-source-${series}=${version}`, work);
    execFileSync("dpkg-deb", ["-x", deb, path.join(work, "x")]);
    const usrSrc = path.join(work, "x", "usr", "src");
    const tarball = fs.readdirSync(usrSrc).find((f) => f.endsWith(".tar.xz") || f.endsWith(".tar.bz2"));
    if (!tarball) throw new Error(`linux-source-${series} has no source tarball`);
    const top = tarball.replace(/\.tar\.\w+$/, "");
    fs.mkdirSync(path.join(work, "src"));
    // Members that a version does not have (scripts/lib before 7.x) are not an error.
    execFileSync("tar", ["xf", path.join(usrSrc, tarball), "-C", path.join(work, "src"), "--wildcards", "--no-wildcards-match-slash", ...SOURCE_PARTS.map((p) => `${top}/${p}`)], {
      stdio: ["ignore", "ignore", "ignore"],
    });
  } catch (err) {
    // tar exits 2 when a pattern matches nothing; what matters is that the headers are there.
    if (!fs.existsSync(path.join(work, "src"))) throw err;
  }
  const top = fs.readdirSync(path.join(work, "src"))[0];
  if (!top || !fs.existsSync(path.join(work, "src", top, "include", "uapi", "linux"))) throw new Error(`linux-source-${series}: no include/uapi/linux in the tarball`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(path.join(work, "src", top), dir);
  fs.rmSync(work, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, ".complete"), `${version}\n`);
  return dir;
}

/**
 * linux-libc-dev's usr/include (every architecture's asm/ headers), unpacked once and renamed
 * into place when complete, so an interrupted download is never taken for a tree. The survey,
 * the package tests and the lint tests share it.
 */
export function libcDevInclude(version, log = console.log, suites = undefined) {
  const dir = path.join(CACHE, `linux-libc-dev-${version}`);
  const include = path.join(dir, "root", "usr", "include");
  if (fs.existsSync(path.join(dir, ".complete"))) return include;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, "linux-libc-dev-download-"));
  try {
    log(`downloading linux-libc-dev=${version}`);
    execFileSync("dpkg-deb", ["-x", downloadDeb(`linux-libc-dev=${version}`, work, suites), path.join(work, "root")]);
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(path.join(work, "root"), path.join(dir, "root"));
    fs.writeFileSync(path.join(dir, ".complete"), `${version}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return include;
}
