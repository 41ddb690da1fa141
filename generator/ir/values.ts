// C integer types and values: what constant evaluation produces and the model records.

export interface IntType {
  bits: number;
  signed: boolean;
  /** C conversion rank: char 1, short 2, int 3, long 4, long long 5. */
  rank: number;
}

export interface Value {
  v: bigint;
  t: IntType;
}
