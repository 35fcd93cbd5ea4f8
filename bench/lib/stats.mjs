// Small statistics helpers shared by the load generator and the runner: a log-linear latency
// histogram (about 0.1% resolution, mergeable across processes, constant memory) and the
// median/spread summary every scenario reports.

const SUB_BITS = 10;
const SUB = 1 << SUB_BITS; // 1024 sub-buckets per power of two
const MAX_SHIFT = 22;
const BUCKETS = (MAX_SHIFT + 1) * SUB + SUB;

/** Index of the bucket holding `v` (a non-negative integer, e.g. microseconds). */
export function bucketOf(v) {
  if (v < 0) v = 0;
  if (v >= 2 ** 32) v = 2 ** 32 - 1;
  v = Math.floor(v);
  const bits = 32 - Math.clz32(v);
  const shift = bits > SUB_BITS + 1 ? bits - (SUB_BITS + 1) : 0;
  return shift * SUB + (v >>> shift);
}

/** Smallest value that falls in bucket `i` and the bucket's width. */
export function bucketRange(i) {
  if (i < 2 * SUB) return { low: i, width: 1 };
  const shift = Math.floor(i / SUB) - 1;
  const mantissa = i - shift * SUB;
  return { low: mantissa * 2 ** shift, width: 2 ** shift };
}

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS);
    this.count = 0;
    this.max = 0;
    this.min = Infinity;
    this.sum = 0;
  }

  record(v) {
    this.counts[bucketOf(v)]++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** Value at quantile q (0..1): the midpoint of the bucket holding the q-th sample, capped at max. */
  percentile(q) {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const { low, width } = bucketRange(i);
        return Math.min(this.max, Math.max(this.min, low + (width - 1) / 2));
      }
    }
    return this.max;
  }

  merge(other) {
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
    if (other.min < this.min) this.min = other.min;
    return this;
  }

  reset() {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
    this.min = Infinity;
    this.sum = 0;
  }

  /** Compact form for IPC: only non-empty buckets. */
  toJSON() {
    const b = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]) b.push(i, this.counts[i]);
    return { b, count: this.count, max: this.max, min: this.min === Infinity ? 0 : this.min, sum: this.sum };
  }

  static fromJSON(j) {
    const h = new Histogram();
    for (let k = 0; k < j.b.length; k += 2) h.counts[j.b[k]] = j.b[k + 1];
    h.count = j.count;
    h.max = j.max;
    h.min = j.count ? j.min : Infinity;
    h.sum = j.sum;
    return h;
  }
}

/** Latency summary in milliseconds from a histogram recorded in microseconds. */
export function latencySummaryMs(h) {
  const ms = (us) => (Number.isFinite(us) ? us / 1000 : NaN);
  return {
    samples: h.count,
    p50: ms(h.percentile(0.5)),
    p95: ms(h.percentile(0.95)),
    p99: ms(h.percentile(0.99)),
    max: ms(h.count ? h.max : NaN),
  };
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Median of the runs plus their range: `{median, min, max, runs}`. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    median: median(v),
    min: v.length ? Math.min(...v) : NaN,
    max: v.length ? Math.max(...v) : NaN,
    runs: values,
  };
}

/** Human-friendly number: 97123 → "97.1k", 0.01234 → "0.0123". */
export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toPrecision(digits)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(digits)}k`;
  if (a >= 100) return x.toFixed(0);
  return Number(x.toPrecision(digits)).toString();
}

/** "median (min–max)" for a summary. */
export function fmtSpread(s, unit = '', digits = 3) {
  if (!s || !Number.isFinite(s.median)) return '—';
  if (s.runs && s.runs.length > 1)
    return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
  return `${fmt(s.median, digits)}${unit}`;
}

/**
 * Reads a decimal number written as ASCII in `buf` starting at `at` (digits and one optional dot).
 * Returns NaN when there is none. Used to pull the send timestamp out of a frame without parsing it.
 */
export function readAsciiNumber(buf, at) {
  let v = 0;
  let i = at;
  let digits = 0;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    digits++;
  }
  if (buf[i] === 0x2e) {
    let scale = 0.1;
    for (i++; i < buf.length; i++) {
      const c = buf[i];
      if (c < 0x30 || c > 0x39) break;
      v += (c - 0x30) * scale;
      scale /= 10;
      digits++;
    }
  }
  if (!digits) return NaN;
  return neg ? -v : v;
}

/** Monotonic clock shared by every process on the machine (CLOCK_MONOTONIC), in microseconds. */
export const nowUs = () => Number(process.hrtime.bigint() / 1000n);
