/**
 * The SVG of one mark, and the legend that explains every kind.
 * @internal
 * @module
 */
import { MARK_STYLES, type MarkKind, type MarkStyle, STATE_COLORS } from './mark-styles.js';
import { el, px, text } from './svg.js';

/** The SVG of `style` centred on (`x`, `y`). */
export function shapeSvg(style: MarkStyle, x: number, y: number): string {
  const { color, size: r } = style;
  const stroke = {
    stroke: color,
    'stroke-width': 1.6,
    'stroke-dasharray': style.dashed ? '2 1.5' : undefined,
  };
  const polygon = (points: Array<[number, number]>, filled: boolean) =>
    el('polygon', {
      points: points.map(([dx, dy]) => `${px(x + dx)},${px(y + dy)}`).join(' '),
      fill: filled ? color : '#fff',
      ...stroke,
    });
  switch (style.shape) {
    case 'dot':
      return el('circle', { cx: x, cy: y, r, fill: color });
    case 'ring':
      return el('circle', { cx: x, cy: y, r, fill: '#fff', ...stroke });
    case 'square':
      return el('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color });
    case 'box':
      return el('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: '#fff', ...stroke });
    case 'diamond':
    case 'hollow-diamond':
      return polygon(
        [
          [0, -r],
          [r, 0],
          [0, r],
          [-r, 0],
        ],
        style.shape === 'diamond',
      );
    case 'tri-up':
    case 'tri-down': {
      const s = style.shape === 'tri-up' ? 1 : -1;
      return polygon(
        [
          [0, -r * s],
          [r, r * s],
          [-r, r * s],
        ],
        true,
      );
    }
    case 'cross':
      return el('path', {
        d: `M${px(x - r)} ${px(y - r)}L${px(x + r)} ${px(y + r)}M${px(x - r)} ${px(y + r)}L${px(x + r)} ${px(y - r)}`,
        stroke: color,
        'stroke-width': 2.2,
        'stroke-linecap': 'round',
      });
    case 'tick':
      return el('line', { x1: x, y1: y - r, x2: x, y2: y + r, stroke: color, 'stroke-width': 1.5 });
    case 'flag':
      return el('path', {
        d: `M${px(x)} ${px(y + r)}V${px(y - r)}h${px(r * 1.4)}l${px(-r * 0.5)} ${px(r * 0.6)}l${px(r * 0.5)} ${px(r * 0.6)}H${px(x)}`,
        fill: color,
        stroke: color,
        'stroke-width': 1.5,
      });
    case 'bang':
      return (
        el('circle', { cx: x, cy: y, r, fill: color }) +
        el('path', {
          d: `M${px(x)} ${px(y - r * 0.6)}V${px(y + r * 0.1)}M${px(x)} ${px(y + r * 0.45)}v0.1`,
          stroke: '#fff',
          'stroke-width': 1.8,
          'stroke-linecap': 'round',
        })
      );
  }
}

/** Legend: one entry per kind of mark and per state colour, in columns. */
export function legendSvg(x: number, y: number, width: number): { svg: string; height: number } {
  const columns = Math.max(1, Math.floor(width / 320));
  const entries: string[] = [];
  const kinds = Object.keys(MARK_STYLES) as MarkKind[];
  kinds.forEach((kind, i) => {
    const cx = x + (i % columns) * 320 + 10;
    const cy = y + 24 + Math.floor(i / columns) * 18;
    entries.push(
      el(
        'g',
        { class: 'legend-entry', 'data-kind': kind },
        shapeSvg(MARK_STYLES[kind], cx, cy) + text(cx + 14, cy + 4, MARK_STYLES[kind].label),
      ),
    );
  });
  const rows = Math.ceil(kinds.length / columns);
  let sx = x;
  const sy = y + 24 + rows * 18 + 6;
  const states = Object.entries(STATE_COLORS);
  let bands = text(sx, sy + 9, 'state bands:', { class: 'legend-title' });
  sx += 80;
  for (const [state, color] of states) {
    const w = state.length * 6.4 + 10;
    if (sx + w > x + width) break;
    bands +=
      el('rect', { x: sx, y: sy, width: w, height: 12, fill: color, rx: 2 }) +
      text(sx + 5, sy + 9, state, { class: 'band-label' });
    sx += w + 4;
  }
  const svg = el(
    'g',
    { class: 'legend' },
    text(x, y + 8, 'Legend', { class: 'legend-title' }) + entries.join('') + bands,
  );
  return { svg, height: sy + 18 - y };
}
