// Token buckets and the flood rule that bound how fast one connection may send (docs/protocol.md 7).

/** A token bucket: `rate` tokens per second, at most `burst` saved. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(readonly rate: number, readonly burst: number, private readonly now: () => number = () => performance.now()) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty (the message is to be dropped). */
  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }
}

/** Counts drops: when to report them (at most once a second) and when a flood closes the connection. */
export class DropCounter {
  #windowStart: number;
  #inWindow = 0;
  #sinceReport = 0;
  #lastReport = -Infinity;
  total = 0;
  constructor(readonly closeAfter: number, readonly windowMs: number, private readonly now: () => number = () => performance.now()) {
    this.#windowStart = now();
  }

  /** Records one drop. */
  drop(): { report?: number; close: boolean } {
    const t = this.now();
    if (t - this.#windowStart > this.windowMs) {
      this.#windowStart = t;
      this.#inWindow = 0;
    }
    this.#inWindow++;
    this.#sinceReport++;
    this.total++;
    let report: number | undefined;
    if (t - this.#lastReport >= 1000) {
      report = this.#sinceReport;
      this.#sinceReport = 0;
      this.#lastReport = t;
    }
    return { ...(report !== undefined ? { report } : {}), close: this.#inWindow > this.closeAfter };
  }
}
