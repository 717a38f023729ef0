/**
 * renderTimeline on known sessions in virtual time: the page parses, has one row per candidate
 * pair, and every trace event is exactly one mark of the right kind in the right row.
 */
import { describe, expect, it } from 'vitest';
import { formatTraceEvent, renderTimeline, type TraceEvent } from '../../lib/index.js';
import { byClass, findAll, type MarkupNode, parseMarkup, textOf } from '../helpers/markup.js';
import { failingSession, tracedSession } from '../helpers/timeline-session.js';

const rowsOf = (page: MarkupNode, kind?: string) =>
  findAll(page, (n) => byClass('row')(n) && (kind === undefined || n.attrs['data-kind'] === kind));
const marksOf = (node: MarkupNode, type?: string) =>
  findAll(node, (n) => byClass('ev')(n) && (type === undefined || n.attrs['data-type'] === type));
const kindOf = (node: MarkupNode, kind: string) => marksOf(node).filter((m) => m.attrs['data-kind'] === kind);
const countBy = <T>(items: readonly T[], key: (t: T) => string) => {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
};
const pairKey = (e: TraceEvent) =>
  'pairId' in e && typeof e.pairId === 'number' ? `${e.generation}-${e.pairId}` : undefined;
/** The x of a mark's shape (circle, rect, line or polygon), from its attributes. */
const markX = (mark: MarkupNode): number => {
  const shape = mark.children.find((c) => c.name !== 'title') as MarkupNode;
  const a = shape.attrs;
  if (a.cx !== undefined) return Number(a.cx);
  if (a.x1 !== undefined) return Number(a.x1);
  if (a.width !== undefined) return Number(a.x) + Number(a.width) / 2;
  return Number((a.points ?? a.d ?? '').match(/-?[\d.]+/)?.[0]);
};

describe('renderTimeline', () => {
  const { a: trace } = tracedSession();
  const page = parseMarkup(renderTimeline(trace));

  it('draws the connected session: one row per pair, every event one mark, in its row', () => {
    const pairs = new Set(trace.map(pairKey).filter((k) => k !== undefined));
    // Host and relayed candidates on each side plus the unanswered remote one: 6 pairs.
    expect(pairs.size).toBe(6);
    const pairRows = rowsOf(page, 'pair');
    expect(pairRows.map((r) => r.attrs['data-row']).sort()).toEqual(
      [...pairs].map((k) => `pair-${k}`).sort(),
    );
    expect(rowsOf(page, 'gathering')).toHaveLength(1);
    expect(rowsOf(page, 'connection')).toHaveLength(1);
    expect(rowsOf(page, 'server').map((r) => textOf(r))).toEqual([
      expect.stringContaining('turn:198.51.100.2:3478 from 10.0.0.1'),
    ]);

    expect(marksOf(page)).toHaveLength(trace.length);
    expect(countBy(marksOf(page), (m) => m.attrs['data-type'] ?? '')).toEqual(countBy(trace, (e) => e.type));
    for (const row of pairRows) {
      const inRow = trace.filter((e) => `pair-${pairKey(e)}` === row.attrs['data-row']);
      expect(marksOf(row).map((m) => m.children[0]?.text)).toEqual(inRow.map(formatTraceEvent));
      // A line per check from its first transmission to its outcome.
      const outcomes = inRow.filter((e) => e.type === 'check-answered' || e.type === 'check-failed');
      expect(findAll(row, byClass('tx'))).toHaveLength(outcomes.length);
    }
  });

  it('marks checks sent and answered (with the RTT), nomination and selection on the selected pair', () => {
    const sent = trace.filter((e) => e.type === 'check-sent');
    const answered = trace.filter((e) => e.type === 'check-answered');
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(answered.length).toBeGreaterThanOrEqual(4);
    expect(marksOf(page, 'check-sent')).toHaveLength(sent.length);
    for (const mark of marksOf(page, 'check-answered')) {
      expect(mark.attrs['data-kind']).toBe('check-answered');
      expect(mark.children[0]?.text).toMatch(/ rtt \d+ms /);
    }
    // An answer is drawn right of its check.
    const x = new Map(marksOf(page).map((m) => [m.children[0]?.text, markX(m)]));
    for (const a of answered) {
      const s = sent.find((e) => e.transactionId === a.transactionId);
      if (s === undefined || a.at === s.at) continue;
      expect(x.get(formatTraceEvent(a))).toBeGreaterThan(x.get(formatTraceEvent(s)) as number);
    }
    const selected = trace.find((e) => e.type === 'pair-selected');
    expect(selected).toBeDefined();
    const selectedRow = rowsOf(page, 'pair').filter((r) => r.attrs['data-selected'] === 'true');
    expect(selectedRow.map((r) => r.attrs['data-row'])).toEqual([`pair-0-${selected?.pairId}`]);
    for (const type of [
      'nomination',
      'pair-nominated',
      'pair-selected',
      'consent-sent',
      'consent-answered',
    ]) {
      expect(marksOf(selectedRow[0] as MarkupNode, type).length, type).toBeGreaterThan(0);
    }
    expect(marksOf(selectedRow[0] as MarkupNode, 'check-sent').map((m) => m.attrs['data-kind'])).toContain(
      'check-sent-nominating',
    );
  });

  it('draws the states as bands: gathering, connection, each pair', () => {
    const bands = (id: string) =>
      findAll(rowsOf(page).find((r) => r.attrs['data-row'] === id) as MarkupNode, byClass('band')).map(
        (b) => b.attrs['data-state'],
      );
    expect(bands('gathering')).toEqual(trace.filter((e) => e.type === 'gathering-state').map((e) => e.state));
    expect(bands('connection')).toEqual(['checking', 'connected', 'completed']);
    const selected = trace.find((e) => e.type === 'pair-selected');
    expect(bands(`pair-0-${selected?.pairId}`).at(-1)).toBe('succeeded');
  });

  it('shows a session that fails: retransmissions, timeouts, the failed state and its reason', () => {
    const events = failingSession('unreachable');
    const html = renderTimeline(events);
    const failing = parseMarkup(html);
    const retransmitted = events.filter((e) => e.type === 'check-retransmitted');
    const timeouts = events.filter((e) => e.type === 'check-failed' && e.cause === 'timeout');
    expect(retransmitted.length).toBeGreaterThan(2);
    expect(timeouts.length).toBeGreaterThan(0);
    expect(kindOf(failing, 'check-retransmitted')).toHaveLength(retransmitted.length);
    expect(kindOf(failing, 'check-timeout')).toHaveLength(timeouts.length);
    expect(kindOf(failing, 'check-error')).toHaveLength(0);
    const connection = rowsOf(failing, 'connection')[0] as MarkupNode;
    expect(findAll(connection, byClass('band')).at(-1)?.attrs['data-state']).toBe('failed');
    expect(textOf(findAll(failing, byClass('summary'))[0] as MarkupNode)).toContain(
      'failed (checks-timed-out)',
    );
    // Retransmissions 500 ms, 1 s, 2 s... apart: the axis cuts the long gaps.
    expect(findAll(failing, byClass('break')).length).toBeGreaterThan(0);
  });

  it('shows checks answered 401 as error marks', () => {
    const events = failingSession('rejected');
    const failing = parseMarkup(renderTimeline(events));
    const rejected = events.filter((e) => e.type === 'check-failed' && e.code === 401);
    expect(rejected.length).toBeGreaterThan(0);
    const marks = kindOf(failing, 'check-error');
    expect(marks).toHaveLength(rejected.length);
    expect(marks[0]?.children[0]?.text).toContain('error-response 401 Unauthorized');
  });
});
