// A growable MSB-first bit writer with the unary and Rice codes FLAC uses.

export class BitWriter {
  #buf = new Uint8Array(1 << 16);
  #pos = 0;
  #acc = 0;
  #nacc = 0;

  #push(byte: number): void {
    if (this.#pos === this.#buf.length) {
      const next = new Uint8Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.#pos++] = byte;
  }

  /** Writes the low `n` bits (n <= 24) of a non-negative value. */
  #write24(value: number, n: number): void {
    if (n === 0) return;
    this.#acc = (this.#acc << n) | (value & ((1 << n) - 1));
    this.#nacc += n;
    while (this.#nacc >= 8) {
      this.#nacc -= 8;
      this.#push((this.#acc >>> this.#nacc) & 0xff);
    }
    this.#acc &= (1 << this.#nacc) - 1;
  }

  /** Writes `value` as an n-bit field (n <= 32); negative values are written in two's complement. */
  bits(value: number, n: number): void {
    let u = value < 0 ? value + 2 ** n : value;
    if (n > 24) {
      const hi = Math.floor(u / 65536);
      u -= hi * 65536;
      this.#write24(hi, n - 16);
      this.#write24(u, 16);
    } else {
      this.#write24(u, n);
    }
  }

  /** q zero bits then a one. */
  unary(q: number): void {
    while (q >= 24) {
      this.#write24(0, 24);
      q -= 24;
    }
    this.#write24(1, q + 1);
  }

  /** Rice code of a non-negative (zig-zagged) value with parameter k. */
  rice(u: number, k: number): void {
    const q = k === 0 ? u : Math.floor(u / 2 ** k);
    this.unary(q);
    if (k > 0) this.bits(u - q * 2 ** k, k);
  }

  /** Pads with zero bits to the next byte boundary. */
  align(): void {
    if (this.#nacc > 0) this.#write24(0, 8 - this.#nacc);
  }

  get bytePosition(): number {
    return this.#pos;
  }

  get isAligned(): boolean {
    return this.#nacc === 0;
  }

  /** The bytes written so far (call align() first). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}
