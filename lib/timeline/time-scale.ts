/**
 * A broken time axis: the instants of a trace come in bursts (checks within tens of ms, then a
 * consent check every few seconds), so each burst is drawn on one linear scale and the idle gaps
 * between bursts are cut to a fixed width with a break mark.
 * @internal
 * @module
 */

/** A tick of the axis. */
export interface Tick {
  /** Its x, px. */
  readonly x: number;
  /** Its label, relative to the first instant. */
  readonly label: string;
}

/** A cut idle gap. */
export interface AxisBreak {
  /** The middle of the cut, px. */
  readonly x: number;
  /** How long the gap is, ms. */
  readonly skipped: number;
}

/** The time axis of a picture. */
export interface TimeScale {
  /** The x of a time, px (from 0). */
  x(time: number): number;
  /** The first instant (tick labels count from it), ms. */
  readonly origin: number;
  /** The width of the axis, px. */
  readonly width: number;
  /** Ticks, in order. */
  readonly ticks: readonly Tick[];
  /** The cut gaps, in order. */
  readonly breaks: readonly AxisBreak[];
}

/** How the axis is laid out. */
export interface TimeScaleOptions {
  /** Width to fill, px (exceeded when bursts are many). */
  readonly width: number;
  /** A gap between instants longer than this is cut, ms. */
  readonly breakAfter: number;
}

/** Width of a cut gap, px. */
const BREAK_WIDTH = 40;
/** Room on each side of a burst, px. */
const PAD = 10;
/** At most this many px per ms (a burst of 2 ms stays a burst). */
const MAX_PX_PER_MS = 40;
/** Room after the last instant, px: the last states run on into it, so a final `failed` shows. */
const TAIL = 40;
/** At most this many gaps are cut (the longest ones). */
const MAX_CUTS = 40;
/** Labelled ticks at least this many px apart (a label is about 50 px wide). */
const MIN_TICK_GAP = 64;
/** At least this many px for the bursts' own spans together. */
const MIN_LINEAR = 240;

/**
 * Bursts of `times` (sorted, distinct): runs whose gaps are at most `breakAfter`; of longer gaps
 * only the `MAX_CUTS` longest are cut (a long trace stays a picture, not a scroll of bursts).
 */
function bursts(times: readonly number[], breakAfter: number): Array<{ from: number; to: number }> {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
    if (gap > breakAfter) gaps.push(gap);
  }
  // With more long gaps than MAX_CUTS: every gap longer than the MAX_CUTS-th longest is cut, and
  // as many as are left of those equal to it (the earliest).
  gaps.sort((a, b) => b - a);
  const limit = gaps.length <= MAX_CUTS ? breakAfter : (gaps[MAX_CUTS - 1] ?? breakAfter);
  let ties = gaps.length <= MAX_CUTS ? 0 : MAX_CUTS - gaps.filter((g) => g > limit).length;
  const out: Array<{ from: number; to: number }> = [];
  for (const t of times) {
    const last = out.at(-1);
    const gap = last === undefined ? 0 : t - last.to;
    const cut = gap > limit || (gap === limit && gap > breakAfter && ties-- > 0);
    if (last !== undefined && !cut) last.to = t;
    else out.push({ from: t, to: t });
  }
  return out;
}

/** A round step (1, 2 or 5 × 10^n ms) near `ms`. */
function niceStep(ms: number): number {
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 5]) if (m * power >= ms) return m * power;
  return 10 * power;
}

/** `ms` as a short duration: `850 ms`, `1.25 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 1000) return `${sign}${Number(a.toFixed(a < 10 ? 2 : 1))} ms`;
  if (a < 120_000) return `${sign}${Number((a / 1000).toFixed(3))} s`;
  return `${sign}${Math.floor(a / 60_000)} min ${Math.round((a % 60_000) / 1000)} s`;
}

/** The axis for instants `times` (any order, repeats allowed). */
export function timeScale(times: readonly number[], options: TimeScaleOptions): TimeScale {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  if (sorted.length === 0) sorted.push(0);
  const origin = sorted[0] ?? 0;
  const runs = bursts(sorted, options.breakAfter);
  const span = runs.reduce((sum, r) => sum + (r.to - r.from), 0);
  const fixed = runs.length * 2 * PAD + (runs.length - 1) * BREAK_WIDTH;
  const pxPerMs =
    span === 0 ? 0 : Math.min(MAX_PX_PER_MS, Math.max(options.width - fixed, MIN_LINEAR) / span);
  const starts: number[] = [];
  let cursor = 0;
  for (const r of runs) {
    starts.push(cursor + PAD);
    cursor += 2 * PAD + (r.to - r.from) * pxPerMs + BREAK_WIDTH;
  }
  const width = cursor - BREAK_WIDTH + TAIL;
  const x = (time: number): number => {
    // The last burst starting at or before `time` (a time between bursts sits at its burst's end).
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((runs[mid]?.from ?? 0) <= time) lo = mid;
      else hi = mid - 1;
    }
    const i = lo;
    const r = runs[i] ?? { from: origin, to: origin };
    const clamped = Math.min(Math.max(time, r.from), r.to);
    return (starts[i] ?? PAD) + (clamped - r.from) * pxPerMs;
  };
  const ticks: Tick[] = [];
  const breaks: AxisBreak[] = [];
  // A burst's start is labelled before a round tick too close to it (the round one gives way).
  let lastIsStart = false;
  const tick = (at: number, time: number, start: boolean) => {
    const last = ticks.at(-1);
    if (last !== undefined && at - last.x < MIN_TICK_GAP) {
      if (!start || lastIsStart) return;
      ticks.pop();
    }
    ticks.push({ x: at, label: `+${formatDuration(time - origin)}` });
    lastIsStart = start;
  };
  runs.forEach((r, i) => {
    const start = starts[i] ?? PAD;
    tick(start, r.from, true);
    if (pxPerMs > 0 && r.to > r.from) {
      const step = niceStep(90 / pxPerMs);
      for (let t = origin + Math.ceil((r.from - origin) / step) * step; t <= r.to; t += step)
        tick(x(t), t, false);
    }
    const next = runs[i + 1];
    if (next !== undefined) {
      breaks.push({
        x: start + (r.to - r.from) * pxPerMs + PAD + BREAK_WIDTH / 2,
        skipped: next.from - r.to,
      });
    }
  });
  return { x, origin, width, ticks, breaks };
}
