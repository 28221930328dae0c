/**
 * A minimal Parquet writer for tests: one row group, one uncompressed PLAIN data page per column,
 * UTF-8 text or int64 columns, nulls allowed. Enough to produce fixtures without pyarrow.
 * Layout and field ids follow parquet-format's parquet.thrift (Thrift compact protocol).
 */

export type TinyColumn =
  | { name: string; type: 'string'; values: (string | Uint8Array | null)[] }
  | { name: string; type: 'int64'; values: (bigint | null)[] };

const enum Compact {
  I32 = 5,
  I64 = 6,
  Binary = 8,
  List = 9,
  Struct = 12,
}

/** Writes Thrift compact-protocol structs into a byte array. */
class CompactWriter {
  readonly bytes: number[] = [];
  private lastField: number[] = [0];

  private varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  private zigzag(value: number | bigint): void {
    const v = BigInt(value);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  private header(id: number, type: number): void {
    const delta = id - this.lastField[this.lastField.length - 1]!;
    this.bytes.push((delta << 4) | type);
    this.lastField[this.lastField.length - 1] = id;
  }
  private binary(data: Uint8Array): void {
    this.varint(BigInt(data.length));
    this.bytes.push(...data);
  }
  private listHeader(size: number, type: number): void {
    if (size < 15) this.bytes.push((size << 4) | type);
    else {
      this.bytes.push(0xf0 | type);
      this.varint(BigInt(size));
    }
  }
  i32(id: number, value: number): this {
    this.header(id, Compact.I32);
    this.zigzag(value);
    return this;
  }
  i64(id: number, value: number | bigint): this {
    this.header(id, Compact.I64);
    this.zigzag(value);
    return this;
  }
  string(id: number, value: string): this {
    this.header(id, Compact.Binary);
    this.binary(new TextEncoder().encode(value));
    return this;
  }
  i32List(id: number, values: number[]): this {
    this.header(id, Compact.List);
    this.listHeader(values.length, Compact.I32);
    for (const v of values) this.zigzag(v);
    return this;
  }
  stringList(id: number, values: string[]): this {
    this.header(id, Compact.List);
    this.listHeader(values.length, Compact.Binary);
    for (const v of values) this.binary(new TextEncoder().encode(v));
    return this;
  }
  struct(id: number, body: (w: this) => void): this {
    this.header(id, Compact.Struct);
    return this.structBody(body);
  }
  structList<T>(id: number, items: T[], body: (w: this, item: T) => void): this {
    this.header(id, Compact.List);
    this.listHeader(items.length, Compact.Struct);
    for (const item of items) this.structBody((w) => body(w, item));
    return this;
  }
  private structBody(body: (w: this) => void): this {
    this.lastField.push(0);
    body(this);
    this.bytes.push(0);
    this.lastField.pop();
    return this;
  }
}

const PARQUET_TYPE = { int64: 2, string: 6 } as const;

function littleEndian32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

// Definition levels (1 = present) as RLE runs of bit width 1, prefixed by their byte length.
function definitionLevels(present: boolean[]): number[] {
  const runs: number[] = [];
  for (let i = 0; i < present.length; ) {
    let j = i;
    while (j < present.length && present[j] === present[i]) j++;
    const count = j - i;
    for (let header = count << 1; ; header >>>= 7) {
      if (header < 0x80) {
        runs.push(header);
        break;
      }
      runs.push((header & 0x7f) | 0x80);
    }
    runs.push(present[i] ? 1 : 0);
    i = j;
  }
  return [...littleEndian32(runs.length), ...runs];
}

function plainValues(column: TinyColumn): number[] {
  const out: number[] = [];
  for (const value of column.values) {
    if (value === null) continue;
    if (typeof value === 'bigint') {
      for (let i = 0n; i < 8n; i++) out.push(Number((BigInt.asUintN(64, value) >> (8n * i)) & 0xffn));
    } else {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      out.push(...littleEndian32(bytes.length), ...bytes);
    }
  }
  return out;
}

function isOptional(column: TinyColumn): boolean {
  return column.values.some((value) => value === null);
}

/** Builds a complete .parquet file in memory. All columns must have the same length. */
export function writeTinyParquet(columns: TinyColumn[]): Uint8Array {
  const rowCount = columns[0]?.values.length ?? 0;
  const file: number[] = [...new TextEncoder().encode('PAR1')];
  const chunks: { column: TinyColumn; offset: number; size: number }[] = [];
  for (const column of columns) {
    const levels = isOptional(column) ? definitionLevels(column.values.map((value) => value !== null)) : [];
    const data = [...levels, ...plainValues(column)];
    const header = new CompactWriter()
      .i32(1, 0) // DATA_PAGE
      .i32(2, data.length)
      .i32(3, data.length)
      .struct(5, (w) => w.i32(1, rowCount).i32(2, 0).i32(3, 3).i32(4, 3)).bytes;
    header.push(0); // end of PageHeader
    chunks.push({ column, offset: file.length, size: header.length + data.length });
    file.push(...header, ...data);
  }
  const footer = new CompactWriter()
    .i32(1, 1)
    .structList(2, [null, ...columns], (w, column) => {
      if (column === null) w.string(4, 'schema').i32(5, columns.length);
      else {
        w.i32(1, PARQUET_TYPE[column.type]).i32(3, isOptional(column) ? 1 : 0).string(4, column.name);
        if (column.type === 'string') w.i32(6, 0); // UTF8
      }
    })
    .i64(3, rowCount)
    .structList(4, [chunks], (w, all) => {
      w.structList(1, all, (c, { column, offset, size }) =>
        c.i64(2, offset).struct(3, (m) =>
          m
            .i32(1, PARQUET_TYPE[column.type])
            .i32List(2, [0, 3])
            .stringList(3, [column.name])
            .i32(4, 0)
            .i64(5, rowCount)
            .i64(6, size)
            .i64(7, size)
            .i64(9, offset),
        ),
      )
        .i64(2, all.reduce((sum, chunk) => sum + chunk.size, 0))
        .i64(3, rowCount);
    })
    .string(6, 'tuna tiny-parquet').bytes;
  footer.push(0); // end of FileMetaData
  file.push(...footer, ...littleEndian32(footer.length), ...new TextEncoder().encode('PAR1'));
  return Uint8Array.from(file);
}
