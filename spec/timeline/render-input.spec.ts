/**
 * renderTimeline on hand-made traces: hostile text stays text, restarts and idle gaps show on
 * the axis, an empty trace still makes a page, bad options are typed errors.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, renderTimeline, type TraceEvent } from '../../lib/index.js';
import { byClass, findAll, type MarkupNode, parseMarkup, textOf } from '../helpers/markup.js';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'`;

const stamp = (at: number, generation = 0) => ({ at, generation });
const pairState = (
  pairId: number,
  at: number,
  generation = 0,
): Extract<TraceEvent, { type: 'pair-state' }> => ({
  type: 'pair-state',
  pairId,
  local: '10.0.0.1:5000',
  localType: 'host',
  remote: '10.0.0.2:5000',
  remoteType: 'host',
  from: undefined,
  state: 'in-progress',
  valid: false,
  nominated: false,
  ...stamp(at, generation),
});

describe('renderTimeline input', () => {
  it('escapes every text of the trace: no element, attribute or entity comes from it', () => {
    const events: TraceEvent[] = [
      { type: 'server', url: HOSTILE, hostAddress: HOSTILE, step: 'error', reason: HOSTILE, ...stamp(0) },
      { type: 'connection-state', state: HOSTILE as 'failed', reason: HOSTILE, ...stamp(5) },
      { ...pairState(1, 6), local: HOSTILE, remote: HOSTILE, state: HOSTILE as 'failed' },
      {
        type: 'datagram-dropped',
        socketId: 1,
        from: HOSTILE,
        length: 3,
        reason: HOSTILE as 'malformed',
        ...stamp(7),
      },
    ];
    const html = renderTimeline(events, { title: HOSTILE });
    const page = parseMarkup(html);
    const names = new Set(findAll(page, () => true).map((n) => n.name));
    expect(names.has('script')).toBe(false);
    expect(names.has('img')).toBe(false);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(2\)>/);
    // The hostile text is there, as text: in the title, the tooltips and the labels.
    expect(findAll(page, (n) => n.name === 'title')[0]?.text).toBe(HOSTILE);
    const tooltips = findAll(page, (n) => n.name === 'title').map((n) => n.text);
    expect(tooltips.filter((t) => t.includes(HOSTILE)).length).toBeGreaterThanOrEqual(4);
    expect(findAll(page, byClass('band')).map((b) => b.attrs['data-state'])).toContain(HOSTILE);
    // Everything drew: one mark per event, a row for the server and one for the drop.
    expect(findAll(page, byClass('ev'))).toHaveLength(events.length);
    expect(findAll(page, (n) => n.attrs['data-kind'] === 'other' && byClass('row')(n))).toHaveLength(1);
  });

  it('one row per pair and generation; a line where a restart begins', () => {
    const events = [pairState(1, 0), pairState(2, 10), pairState(1, 200, 1)];
    const page = parseMarkup(renderTimeline(events));
    const rows = findAll(page, (n) => byClass('row')(n) && n.attrs['data-kind'] === 'pair');
    expect(rows.map((r) => r.attrs['data-row'])).toEqual(['pair-0-1', 'pair-0-2', 'pair-1-1']);
    expect(textOf(rows[2] as MarkupNode)).toContain('g1 #1 10.0.0.1:5000 → 10.0.0.2:5000 host/host');
    expect(findAll(page, byClass('generation')).map((g) => g.attrs['data-generation'])).toEqual(['1']);
  });

  it('cuts idle gaps longer than breakAfter from the axis', () => {
    const events = [
      pairState(1, 0),
      pairState(2, 20),
      pairState(3, 5000),
      pairState(4, 5030),
      pairState(5, 20_000),
    ];
    const cut = parseMarkup(renderTimeline(events));
    expect(findAll(cut, byClass('break')).map((b) => b.children[0]?.text)).toEqual([
      '4.98 s without events, cut',
      '14.97 s without events, cut',
    ]);
    const whole = parseMarkup(renderTimeline(events, { breakAfter: 60_000 }));
    expect(findAll(whole, byClass('break'))).toHaveLength(0);
    // Cut, the 20 ms and 30 ms bursts get most of the width; whole, they are squeezed to a few px.
    const xs = (page: MarkupNode) =>
      findAll(page, byClass('ev')).map((m) => Number(m.children.find((c) => c.name === 'line')?.attrs.x1));
    const [a0, a1] = xs(cut);
    const [b0, b1] = xs(whole);
    expect((a1 as number) - (a0 as number)).toBeGreaterThan(100);
    expect((b1 as number) - (b0 as number)).toBeLessThan(5);
  });

  it('a long trace: only the 40 longest idle gaps are cut, so the picture stays bounded', () => {
    // 100 bursts 5 s apart, and one gap of 60 s: that gap and 39 of the others are cut.
    const events = Array.from({ length: 100 }, (_, i) => pairState(i + 1, i * 5000 + (i >= 50 ? 55_000 : 0)));
    const page = parseMarkup(renderTimeline(events));
    const breaks = findAll(page, byClass('break')).map((b) => b.children[0]?.text);
    expect(breaks).toHaveLength(40);
    expect(breaks).toContain('60 s without events, cut');
    expect(Number(findAll(page, (n) => n.name === 'svg')[0]?.attrs.width)).toBeLessThan(5000);
    expect(findAll(page, byClass('ev'))).toHaveLength(100);
  });

  it('an empty trace is a page that says so', () => {
    const page = parseMarkup(renderTimeline([]));
    expect(textOf(findAll(page, byClass('summary'))[0] as MarkupNode)).toBe('no events');
    expect(findAll(page, byClass('ev'))).toHaveLength(0);
    expect(findAll(page, (n) => n.name === 'svg')).toHaveLength(1);
  });

  it('names the lines skipped for an unknown type', () => {
    const page = parseMarkup(renderTimeline([], { skipped: new Map([['future-event', 3]]) }));
    expect(textOf(findAll(page, byClass('skipped'))[0] as MarkupNode)).toContain('3 × future-event');
  });

  it('refuses bad options and input with InvalidArgumentError', () => {
    expect(() => renderTimeline('x' as unknown as TraceEvent[])).toThrow(InvalidArgumentError);
    expect(() => renderTimeline([], { breakAfter: 0 })).toThrow(/breakAfter must be a positive number/);
    expect(() => renderTimeline([], { breakAfter: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => renderTimeline([], { width: 10 })).toThrow(/width must be at least 200/);
  });
});
