/**
 * The page's header: what the trace holds and how the session ended, in one paragraph.
 * @internal
 * @module
 */
import type { TraceEvent } from '../trace-events.js';
import { escapeXml } from './svg.js';
import { formatDuration } from './time-scale.js';
import type { Row } from './timeline-rows.js';

/** Scheduler times past this are wall-clock (ms since 1970): the page shows the date. */
const EPOCH_AFTER = 1e12;

/** The header paragraph for `events` drawn as `rows`, and the lines skipped when reading them. */
export function summaryHtml(
  events: readonly TraceEvent[],
  rows: readonly Row[],
  skipped?: ReadonlyMap<string, number>,
): string {
  const parts: string[] = [];
  const first = events[0];
  const last = events.at(-1);
  if (first === undefined || last === undefined) {
    parts.push('<b>no events</b>');
  } else {
    const start = events.reduce((min, e) => Math.min(min, e.at), first.at);
    const end = events.reduce((max, e) => Math.max(max, e.at), first.at);
    const when = start > EPOCH_AFTER ? ` from ${new Date(start).toISOString()}` : ` from ${start} ms`;
    parts.push(
      `<b>${events.length}</b> events over <b>${escapeXml(formatDuration(end - start))}</b>${escapeXml(when)}`,
    );
    const pairs = rows.filter((r) => r.kind === 'pair');
    parts.push(`<b>${pairs.length}</b> candidate pair${pairs.length === 1 ? '' : 's'}`);
    const state = [...events].reverse().find((e) => e.type === 'connection-state');
    if (state?.type === 'connection-state') {
      const why = state.failureReason === undefined ? '' : ` (${state.failureReason})`;
      parts.push(`last connection state <b>${escapeXml(state.state + why)}</b>`);
    }
    const selected = pairs.filter((r) => r.selected).map((r) => r.name);
    if (selected.length > 0) parts.push(`selected ${escapeXml(selected.join(', '))}`);
    const generations = new Set(events.map((e) => e.generation)).size;
    if (generations > 1) parts.push(`${generations} generations (ICE restarts)`);
  }
  let out = `<p class="summary">${parts.join(' · ')}</p>`;
  if (skipped !== undefined && skipped.size > 0) {
    const list = [...skipped].map(([type, n]) => `${n} × ${type}`).join(', ');
    out += `<p class="skipped">Skipped lines of types this version does not know: ${escapeXml(list)}</p>`;
  }
  return out;
}
