// Writes generated files so that a run killed at any moment leaves no temporary file in the
// output directory: every file is written whole into a staging directory beside it (on the same
// file system, so that rename is atomic), then renamed into place. The staging directory of a
// run that was killed is removed by the next run.
import fs from "node:fs";
import path from "node:path";

const STAGING = /^\.(.+)\.uapigen-(\d+)$/;

/** The staging directory of process `pid` for output directory `dir`. */
function stagingDir(dir: string, pid: number): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.uapigen-${pid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Staging directories of `dir` left by runs that were killed. */
function removeAbandoned(dir: string): void {
  for (const name of fs.readdirSync(path.dirname(dir))) {
    const m = STAGING.exec(name);
    if (!m || m[1] !== path.basename(dir)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || !alive(pid)) fs.rmSync(path.join(path.dirname(dir), name), { recursive: true, force: true });
  }
}

/** Writes `text` to `file` and flushes it to disk; an existing target's mode and owner carry over. */
function writeDurably(file: string, text: string, like: string): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeFileSync(fd, text);
    const old = fs.existsSync(like) ? fs.statSync(like) : undefined;
    if (old) {
      fs.fchmodSync(fd, old.mode & 0o7777);
      try {
        fs.fchownSync(fd, old.uid, old.gid);
      } catch {
        // Only root may give files away; others keep their own.
      }
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether files can be staged beside `dir` and renamed into it. */
function canStageBeside(dir: string): boolean {
  const parent = path.dirname(dir);
  try {
    fs.accessSync(parent, fs.constants.W_OK);
  } catch {
    return false;
  }
  return fs.statSync(parent).dev === fs.statSync(dir).dev;
}

/** Writes files that all lie in the directory `out` (or folders under it), creating them. */
export async function writeOutputs(out: string, files: { file: string; text: string }[]): Promise<void> {
  const dir = path.resolve(out);
  fs.mkdirSync(dir, { recursive: true });
  if (!files.length) return;
  if (!canStageBeside(dir)) {
    // `out` is a mount point, or its parent read-only to us: atomic writes in place, whose
    // temporary files a kill can leave behind.
    const { default: writeFileAtomic } = await import("write-file-atomic");
    for (const f of files) {
      fs.mkdirSync(path.dirname(f.file), { recursive: true });
      writeFileAtomic.sync(f.file, f.text);
    }
    return;
  }
  removeAbandoned(dir);
  const staging = stagingDir(dir, process.pid);
  fs.mkdirSync(staging);
  try {
    // Staged under the same relative path: included headers' modules live in subfolders
    // (asm/kvm.ts beside kvm.ts).
    const staged = files.map((f) => {
      const tmp = path.join(staging, path.relative(dir, path.resolve(f.file)));
      fs.mkdirSync(path.dirname(tmp), { recursive: true });
      writeDurably(tmp, f.text, f.file);
      return { tmp, file: f.file };
    });
    for (const s of staged) {
      fs.mkdirSync(path.dirname(s.file), { recursive: true });
      fs.renameSync(s.tmp, s.file);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
