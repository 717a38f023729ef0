/**
 * `renderTimeline()`: a trace as a self-contained HTML page with one inline SVG picture (no
 * script, no external asset): a time axis, rows for gathering, the connection state, each
 * STUN/TURN server attempt and each candidate pair with its checks as marbles, and a legend.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { TraceEvent } from '../trace-events.js';
import { legendSvg } from './mark-shapes.js';
import { drawAxis, drawCuts, drawRow, LABEL_WIDTH, ROW_HEIGHT } from './row-svg.js';
import { summaryHtml } from './summary.js';
import { escapeXml } from './svg.js';
import { timeScale } from './time-scale.js';
import { buildRows } from './timeline-rows.js';

/** Options of {@link renderTimeline}. */
export interface TimelineOptions {
  /** The page's title (default `rx-ice timeline`). */
  readonly title?: string;
  /** Idle gaps longer than this (ms) are cut from the time axis (default 1000). */
  readonly breakAfter?: number;
  /** Width of the plot area to fill, px (default 1100; more when the trace has many bursts). */
  readonly width?: number;
  /** Lines skipped when reading the trace, by type (from `parseTraceJsonLines`), shown in the header. */
  readonly skipped?: ReadonlyMap<string, number>;
}

const AXIS_HEIGHT = 34;
const MARGIN = 12;

const STYLE = `body{font:13px system-ui,sans-serif;margin:16px;color:#111827;background:#fff}
h1{font-size:18px;margin:0 0 6px}.summary{margin:0 0 10px;color:#374151}.summary b{color:#111827}
.plot{overflow-x:auto}svg text{font:11px ui-monospace,monospace;fill:#111827}
svg .axis text{fill:#4b5563;font-size:10px}svg .band-label{font-size:9px;fill:#374151}
svg .label-selected{font-weight:bold}svg .legend-title{font-weight:bold}.skipped{color:#b45309}`;

/**
 * The page for `events` (the events of one agent's `trace$`, in order). Every text of the trace is
 * escaped; each event is one mark (`<g class="ev" data-type="…">` with the event as a `<title>`
 * tooltip) in its row (`<g class="row" data-row="…" data-kind="pair|gathering|connection|server|other">`).
 */
export function renderTimeline(events: readonly TraceEvent[], options: TimelineOptions = {}): string {
  if (!Array.isArray(events))
    throw new InvalidArgumentError('renderTimeline: events must be an array of trace events');
  const breakAfter = options.breakAfter ?? 1000;
  const width = options.width ?? 1100;
  if (!(breakAfter > 0) || !Number.isFinite(breakAfter)) {
    throw new InvalidArgumentError(
      `renderTimeline: breakAfter must be a positive number of ms, got ${breakAfter}`,
    );
  }
  if (!(width >= 200) || !Number.isFinite(width)) {
    throw new InvalidArgumentError(`renderTimeline: width must be at least 200 px, got ${width}`);
  }
  const title = options.title ?? 'rx-ice timeline';
  const rows = buildRows(events);
  const scale = timeScale(
    events.map((e) => e.at),
    { width, breakAfter },
  );
  const plotX = MARGIN + LABEL_WIDTH;
  const svgWidth = Math.ceil(Math.max(plotX + scale.width + 3 * MARGIN, 980));
  const top = AXIS_HEIGHT;
  const bottom = top + rows.length * ROW_HEIGHT;
  const body = rows
    .map((row, i) => drawRow(row, i, { x: MARGIN, y: top + i * ROW_HEIGHT, plotX, scale }))
    .join('');
  const axisPlace = { plotX, top, bottom, events };
  const axis = drawAxis(scale, axisPlace);
  const cuts = drawCuts(scale, axisPlace);
  const legend = legendSvg(MARGIN, bottom + 16, svgWidth - 2 * MARGIN);
  const height = bottom + 16 + legend.height + MARGIN;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${svgWidth}" height="${Math.ceil(height)}" viewBox="0 0 ${svgWidth} ${Math.ceil(height)}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>${axis}${body}${cuts}${legend.svg}</svg>`;
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${escapeXml(title)}</h1>${summaryHtml(events, rows, options.skipped)}` +
    `<div class="plot">${svg}</div></body></html>\n`
  );
}
