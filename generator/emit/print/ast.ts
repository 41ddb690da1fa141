// The syntax tree of the TypeScript subset the emitters write: declarations, statements,
// expressions and types, with leading /** */ docs; and operator precedence, which the parser and
// the printer share.

export type Type =
  | { k: "ref"; name: string; args?: Type[] }
  | { k: "word"; text: string }
  | { k: "union"; types: Type[] }
  | { k: "inter"; types: Type[] }
  | { k: "object"; members: TypeMember[] }
  | { k: "array"; element: Type }
  | { k: "typeof"; name: string }
  | { k: "keyof"; type: Type }
  | { k: "indexed"; object: Type; index: Type }
  | { k: "paren"; type: Type };
export interface TypeMember {
  doc?: string;
  name: string;
  optional: boolean;
  readonly: boolean;
  type: Type;
}

export type Expr =
  | { k: "id"; name: string }
  | { k: "lit"; text: string }
  | { k: "str"; raw: string }
  | { k: "member"; object: Expr; name: string }
  | { k: "index"; object: Expr; index: Expr }
  | { k: "call"; callee: Expr; typeArgs?: Type[]; args: Expr[]; isNew: boolean }
  | { k: "bin"; op: string; left: Expr; right: Expr }
  | { k: "unary"; op: string; arg: Expr }
  | { k: "postfix"; op: string; arg: Expr }
  | { k: "cond"; test: Expr; cons: Expr; alt: Expr }
  | { k: "arrow"; params: Param[]; body: Expr | Block }
  | { k: "object"; props: Prop[]; brk: boolean }
  | { k: "array"; items: Expr[] }
  | { k: "as"; op: string; expr: Expr; type: Type };
export interface Param {
  name: string;
  optional: boolean;
  type?: Type;
  init?: Expr;
}
export type Prop =
  | { k: "prop"; key: string; value: Expr; blank: boolean }
  | { k: "method"; kind: string; key: string; params: Param[]; ret?: Type; body: Block; blank: boolean };
export interface Block {
  k: "block";
  body: Stmt[];
}
export type Pattern = { k: "name"; name: string; type?: Type } | { k: "destructure"; props: { key: string; value: string; init?: Expr }[] };
export type Stmt = (
  | Block
  | { k: "expr"; expr: Expr }
  | { k: "var"; kind: string; id: Pattern; init?: Expr }
  | { k: "if"; test: Expr; cons: Stmt; alt?: Stmt }
  | { k: "for"; init: Stmt; test: Expr; update: Expr; body: Stmt }
  | { k: "forin"; kind: string; name: string; object: Expr; body: Stmt }
  | { k: "switch"; disc: Expr; cases: { test?: Expr; body: Stmt[] }[] }
  | { k: "return"; arg?: Expr }
  | { k: "break" }
  | { k: "function"; async: boolean; name: string; params: Param[]; ret?: Type; body: Block }
  | { k: "interface"; name: string; members: TypeMember[] }
  | { k: "type"; name: string; type: Type }
  | { k: "class"; name: string; ext?: string; impl: string[]; members: Prop[] }
  | { k: "exportEmpty" }
  | { k: "comment" }
  | { k: "import"; typeOnly: boolean; names: { name: string; typeOnly: boolean }[]; from: string }
) & { doc?: string; exported?: boolean; blank?: boolean };

export const PRECEDENCE: Record<string, number> = {
  "??": 1,
  "||": 2,
  "&&": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "==": 7,
  "!=": 7,
  "===": 7,
  "!==": 7,
  "<": 8,
  ">": 8,
  "<=": 8,
  ">=": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};
export const LOGICAL = new Set(["??", "||", "&&"]);
