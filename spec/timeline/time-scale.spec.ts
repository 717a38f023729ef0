/**
 * The broken time axis: bursts on one linear scale, idle gaps cut, labels that do not collide and
 * that name where each burst starts.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, timeScale } from '../../lib/timeline/time-scale.js';

describe('timeScale', () => {
  const times = [0, 20, 50, 70, 39_500, 5000, 5020];
  const scale = timeScale(times, { width: 1000, breakAfter: 1000 });

  it('keeps time order and one scale inside bursts; cuts the gaps between them', () => {
    const xs = [...times].sort((a, b) => a - b).map(scale.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(xs.length);
    // Same px per ms in both bursts.
    expect(scale.x(20) - scale.x(0)).toBeCloseTo(scale.x(5020) - scale.x(5000), 6);
    expect(scale.breaks.map((b) => b.skipped)).toEqual([4930, 34_480]);
    // The right end leaves room after the last instant.
    expect(scale.width).toBeGreaterThan(scale.x(39_500) + 30);
    expect(scale.origin).toBe(0);
  });

  it('labels ticks at least 64 px apart, each burst start labelled', () => {
    for (let i = 1; i < scale.ticks.length; i++) {
      expect((scale.ticks[i]?.x ?? 0) - (scale.ticks[i - 1]?.x ?? 0)).toBeGreaterThanOrEqual(64);
    }
    const labels = scale.ticks.map((t) => t.label);
    expect(labels).toEqual(expect.arrayContaining(['+0 ms', '+5 s', '+39.5 s']));
  });

  it('one instant, or none, is still an axis', () => {
    expect(timeScale([42], { width: 500, breakAfter: 1000 }).ticks).toEqual([{ x: 10, label: '+0 ms' }]);
    expect(timeScale([], { width: 500, breakAfter: 1000 }).breaks).toEqual([]);
  });

  it.each([
    [0.5, '0.5 ms'],
    [850, '850 ms'],
    [1250, '1.25 s'],
    [39_500, '39.5 s'],
    [125_000, '2 min 5 s'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
