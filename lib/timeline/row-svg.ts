/**
 * The SVG of the time axis and of one row: its label, state bands, check lines and marks.
 * @internal
 * @module
 */
import type { TraceEvent } from '../trace-events.js';
import { shapeSvg } from './mark-shapes.js';
import { type Lane, MARK_STYLES, stateColor } from './mark-styles.js';
import { el, escapeXml, text, truncate } from './svg.js';
import { formatDuration, type TimeScale } from './time-scale.js';
import type { Row } from './timeline-rows.js';

/** Width of the label column, px. */
export const LABEL_WIDTH = 380;
/** Height of a row, px. */
export const ROW_HEIGHT = 30;
/** Characters of a label that fit its column (monospace, 11 px). */
const LABEL_CHARS = 56;

/** The y of each lane, from the row's top. */
const LANE_Y: Readonly<Record<Lane, number>> = { top: 8, middle: 16, bottom: 25.5 };
/** The state band: from the row's top, and its height. */
const BAND_Y = 23;
const BAND_HEIGHT = 5;

/** Where a row goes. */
export interface RowPlace {
  /** Left edge of the label. */
  readonly x: number;
  /** Top of the row. */
  readonly y: number;
  /** Left edge of the plot. */
  readonly plotX: number;
  /** The time axis. */
  readonly scale: TimeScale;
}

/** One row: background, label with its tooltip, bands, check lines, marks (in trace order). */
export function drawRow(row: Row, index: number, place: RowPlace): string {
  const { x, y, plotX, scale } = place;
  const tx = (t: number) => plotX + scale.x(t);
  let out = el('rect', {
    x,
    y,
    width: plotX - x + scale.width,
    height: ROW_HEIGHT,
    fill: index % 2 === 0 ? '#f9fafb' : '#fff',
  });
  out += el(
    'text',
    { x: x + 4, y: y + 19, class: row.selected ? 'label label-selected' : 'label' },
    `<title>${escapeXml(row.detail)}</title>${escapeXml(truncate(row.label, LABEL_CHARS))}`,
  );
  // The connection row is all band, its states written in it; the others have a thin band at the bottom.
  const tall = row.kind === 'connection';
  const bandY = tall ? 5 : BAND_Y;
  const bandHeight = tall ? 20 : BAND_HEIGHT;
  for (const span of row.spans) {
    const x1 = tx(span.from);
    // A state still on at the end runs to the right edge: a final `failed` shows even at the last instant.
    const width = Math.max((span.to === undefined ? plotX + scale.width : tx(span.to)) - x1, 2);
    const label =
      tall && width > span.state.length * 5.6 + 8
        ? text(x1 + 4, y + 19, span.state, { class: 'band-label' })
        : '';
    out += el(
      'g',
      { class: 'band', 'data-state': span.state },
      `<title>${escapeXml(`${span.state} from +${formatDuration(span.from - scale.origin)}`)}</title>` +
        el('rect', { x: x1, y: y + bandY, width, height: bandHeight, fill: stateColor(span.state) }) +
        label,
    );
  }
  for (const link of row.links) {
    const ly = y + LANE_Y.middle;
    out += el('line', {
      class: 'tx',
      x1: tx(link.from),
      y1: ly,
      x2: tx(link.to),
      y2: ly,
      stroke: link.ok ? '#86efac' : '#fca5a5',
      'stroke-width': 3,
    });
  }
  for (const mark of row.marks) {
    const style = MARK_STYLES[mark.kind];
    out += el(
      'g',
      { class: 'ev', 'data-type': mark.event.type, 'data-kind': mark.kind },
      `<title>${escapeXml(mark.title)}</title>${shapeSvg(style, tx(mark.event.at), y + LANE_Y[style.lane])}`,
    );
  }
  return el(
    'g',
    {
      class: 'row',
      'data-row': row.id,
      'data-kind': row.kind,
      'data-selected': row.selected ? 'true' : undefined,
    },
    out,
  );
}

/** Where the axis goes. */
export interface AxisPlace {
  /** Left edge of the plot. */
  readonly plotX: number;
  /** Top of the first row. */
  readonly top: number;
  /** Bottom of the last row. */
  readonly bottom: number;
  /** The trace (for the generations' starts). */
  readonly events: readonly TraceEvent[];
}

/** The axis on top and its grid lines through the rows (drawn under the rows). */
export function drawAxis(scale: TimeScale, place: AxisPlace): string {
  const { plotX, top, bottom } = place;
  let out = '';
  for (const tick of scale.ticks) {
    const x = plotX + tick.x;
    out += el('line', { x1: x, y1: top - 6, x2: x, y2: bottom, stroke: '#e5e7eb' });
    out += text(x, top - 9, tick.label, { 'text-anchor': 'middle' });
  }
  return el('g', { class: 'axis' }, out);
}

/** The cut gaps of the axis, and a line where each generation (ICE restart) starts (drawn over the rows). */
export function drawCuts(scale: TimeScale, place: AxisPlace): string {
  const { plotX, top, bottom } = place;
  let out = '';
  for (const cut of scale.breaks) {
    const x = plotX + cut.x;
    const zigzag = (dx: number) => {
      let d = `M${x + dx} ${top - 6}`;
      for (let y = top - 6; y < bottom; y += 8) d += `l3 4l-3 4`;
      return d;
    };
    out += el(
      'g',
      { class: 'break' },
      `<title>${escapeXml(`${formatDuration(cut.skipped)} without events, cut`)}</title>` +
        el('rect', {
          x: x - 5,
          y: top - 6,
          width: 10,
          height: bottom - top + 6,
          fill: '#fff',
          opacity: 0.9,
        }) +
        el('path', { d: zigzag(-5) + zigzag(2), stroke: '#9ca3af', fill: 'none' }),
    );
  }
  const seen = new Set<number>();
  for (const e of place.events) {
    if (seen.has(e.generation)) continue;
    seen.add(e.generation);
    if (seen.size === 1) continue;
    const x = plotX + scale.x(e.at);
    out += el(
      'g',
      { class: 'generation', 'data-generation': e.generation },
      `<title>${escapeXml(`generation ${e.generation} starts (ICE restart)`)}</title>` +
        el('line', { x1: x, y1: top - 6, x2: x, y2: bottom, stroke: '#7c3aed', 'stroke-dasharray': '4 3' }),
    );
  }
  return el('g', { class: 'cuts' }, out);
}
