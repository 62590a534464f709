import { encodeNumber, type WireValue } from './sample-value';

/**
 * A variable's samples as a binary body holds them: `t` then `v`, each a
 * little-endian float64 column (16 bytes a sample). Kept as bytes so the
 * writer stores them with one copy (hot-store's packed chunk has this very
 * layout); the JavaScript arrays are made only when something asks for them
 * (a live emit to listeners, a refusal worded through the JSON form).
 */
export class Float64Columns {
  private view: DataView;

  constructor(
    /** t then v, 16 × count bytes. */
    readonly bytes: Uint8Array,
    readonly count: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The times as numbers. */
  times(): number[] {
    const t: number[] = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) t[i] = this.view.getFloat64(8 * i, true);
    return t;
  }

  /** The values as on the JSON wire: NaN, ±Infinity and -0 as their tags. */
  values(): WireValue[] {
    const v: WireValue[] = new Array<WireValue>(this.count);
    const at = 8 * this.count;
    for (let i = 0; i < this.count; i++) {
      const x = this.view.getFloat64(at + 8 * i, true);
      v[i] = Number.isFinite(x) && !(x === 0 && 1 / x < 0) ? x : encodeNumber(x);
    }
    return v;
  }
}
