// What kernel-doc reads inside a declaration's body: inline member docs (`/** @x: ... *\/` above
// a member) add descriptions to the enclosing doc, and members after a `/* private: *\/` marker
// (until `/* public: *\/`) are not documented at all.
import type { Comment } from "../ir/decls.js";
import type { DocParam } from "../ir/kerneldoc.js";

export interface BodyDocs {
  /** Descriptions from inline member docs in the body, in order. */
  params: DocParam[];
  /** Whether the member or enumerator declared at this line is private. */
  isPrivate(line: number): boolean;
}

const PRIVATE = /^\/\*\s*private:/;
const PUBLIC = /^\/\*\s*public:/;

/** The body's comments are those of the same file from the declaration's line to its last member's. */
export function bodyDocs(comments: Comment[], file: string, firstLine: number, lastLine: number): BodyDocs {
  const inBody = comments.filter((c) => c.loc.file === file && c.loc.line > firstLine && c.loc.line <= lastLine);
  const markers = inBody.filter((c) => PRIVATE.test(c.text) || PUBLIC.test(c.text));
  return {
    params: inBody.flatMap((c) => c.reading.inlineParams),
    isPrivate(line) {
      let hidden = false;
      for (const m of markers) if (m.loc.line <= line) hidden = PRIVATE.test(m.text);
      return hidden;
    },
  };
}
