/**
 * How each trace event is drawn: its shape, colour, size and lane in its row, and the legend's
 * words for it.
 * @internal
 * @module
 */
import type { TraceEvent } from '../trace-events.js';

/** The shapes of marks. */
export type Shape =
  | 'dot'
  | 'ring'
  | 'square'
  | 'box'
  | 'diamond'
  | 'hollow-diamond'
  | 'cross'
  | 'tri-up'
  | 'tri-down'
  | 'tick'
  | 'flag'
  | 'bang';

/** Where in its row a mark sits: the upper lane (the peer's checks), the middle (ours), the lower (state ticks). */
export type Lane = 'top' | 'middle' | 'bottom';

/** How one kind of mark looks. */
export interface MarkStyle {
  /** Its shape. */
  readonly shape: Shape;
  /** Its colour (CSS hex). */
  readonly color: string;
  /** Half its size, px. */
  readonly size: number;
  /** Its lane in the row. */
  readonly lane: Lane;
  /** Dashed outline. */
  readonly dashed?: boolean;
  /** The legend's words. */
  readonly label: string;
}

const BLUE = '#2563eb';
const ORANGE = '#ea580c';
const GREEN = '#16a34a';
const RED = '#dc2626';
const PURPLE = '#7c3aed';
const AMBER = '#d97706';
const TEAL = '#0d9488';
const GREY = '#4b5563';

/** Every kind of mark, in legend order. */
export const MARK_STYLES = {
  'check-sent': { shape: 'ring', color: BLUE, size: 5, lane: 'middle', label: 'check sent' },
  'check-sent-nominating': {
    shape: 'ring',
    color: AMBER,
    size: 6,
    lane: 'middle',
    label: 'check sent with USE-CANDIDATE',
  },
  'check-retransmitted': {
    shape: 'ring',
    color: ORANGE,
    size: 4,
    lane: 'middle',
    dashed: true,
    label: 'check retransmitted',
  },
  'check-answered': {
    shape: 'dot',
    color: GREEN,
    size: 5,
    lane: 'middle',
    label: 'check answered (RTT in tooltip)',
  },
  'check-timeout': { shape: 'cross', color: RED, size: 5, lane: 'middle', label: 'check timed out' },
  'check-error': {
    shape: 'square',
    color: RED,
    size: 4.5,
    lane: 'middle',
    label: 'check answered with an error (401, 487…)',
  },
  'check-failed': { shape: 'tri-up', color: RED, size: 5, lane: 'middle', label: 'check failed otherwise' },
  'request-success': {
    shape: 'tri-down',
    color: GREEN,
    size: 4,
    lane: 'top',
    label: "peer's check, answered",
  },
  'request-error': { shape: 'tri-down', color: RED, size: 4, lane: 'top', label: "peer's check, error sent" },
  'request-dropped': { shape: 'cross', color: GREY, size: 3.5, lane: 'top', label: "peer's check, dropped" },
  nomination: { shape: 'hollow-diamond', color: AMBER, size: 6, lane: 'top', label: 'nomination chosen' },
  'pair-nominated': { shape: 'diamond', color: AMBER, size: 6, lane: 'top', label: 'pair nominated' },
  'pair-selected': { shape: 'flag', color: PURPLE, size: 7, lane: 'top', label: 'pair selected' },
  'consent-sent': { shape: 'ring', color: TEAL, size: 3.5, lane: 'middle', label: 'consent check sent' },
  'consent-answered': { shape: 'dot', color: TEAL, size: 3.5, lane: 'middle', label: 'consent answered' },
  'consent-expired': { shape: 'cross', color: PURPLE, size: 6, lane: 'middle', label: 'consent expired' },
  keepalive: { shape: 'tick', color: GREY, size: 3, lane: 'middle', label: 'keepalive' },
  state: { shape: 'tick', color: GREY, size: 5, lane: 'bottom', label: 'state change (band: the state)' },
  'local-candidate': { shape: 'tri-up', color: BLUE, size: 5, lane: 'top', label: 'local candidate' },
  'remote-candidate': { shape: 'tri-down', color: GREY, size: 5, lane: 'middle', label: 'remote candidate' },
  'server-request': { shape: 'box', color: BLUE, size: 4, lane: 'middle', label: 'STUN/TURN request' },
  'server-retransmitted': {
    shape: 'box',
    color: ORANGE,
    size: 3.5,
    lane: 'middle',
    dashed: true,
    label: 'STUN/TURN request again',
  },
  'server-response': { shape: 'square', color: GREEN, size: 4, lane: 'middle', label: 'STUN/TURN response' },
  'server-error-response': {
    shape: 'square',
    color: RED,
    size: 4,
    lane: 'middle',
    label: 'STUN/TURN error response',
  },
  'server-result': {
    shape: 'diamond',
    color: GREEN,
    size: 5,
    lane: 'top',
    label: 'address mapped or allocated',
  },
  'server-error': { shape: 'cross', color: RED, size: 5, lane: 'top', label: 'server attempt failed' },
  dropped: { shape: 'cross', color: RED, size: 3.5, lane: 'middle', label: 'datagram dropped' },
  warning: {
    shape: 'bang',
    color: AMBER,
    size: 6,
    lane: 'top',
    label: 'warning (role change, no remote credentials, trace lost)',
  },
} as const satisfies Readonly<Record<string, MarkStyle>>;

/** A kind of mark. */
export type MarkKind = keyof typeof MARK_STYLES;

/** The kind of mark that draws `e`. */
export function markKindOf(e: TraceEvent, serverRequestSeen: (transactionId: string) => boolean): MarkKind {
  switch (e.type) {
    case 'check-sent':
      return e.useCandidate ? 'check-sent-nominating' : 'check-sent';
    case 'check-retransmitted':
      return 'check-retransmitted';
    case 'check-answered':
      return 'check-answered';
    case 'check-failed':
      return e.cause === 'timeout'
        ? 'check-timeout'
        : e.cause === 'error-response'
          ? 'check-error'
          : 'check-failed';
    case 'request-received':
      return e.outcome === 'success'
        ? 'request-success'
        : e.outcome === 'error'
          ? 'request-error'
          : 'request-dropped';
    case 'nomination':
    case 'pair-nominated':
    case 'pair-selected':
    case 'consent-sent':
    case 'consent-answered':
    case 'consent-expired':
    case 'local-candidate':
    case 'remote-candidate':
      return e.type;
    case 'keepalive-sent':
      return 'keepalive';
    case 'pair-state':
    case 'connection-state':
    case 'gathering-state':
      return 'state';
    case 'server':
      return serverKind(e, serverRequestSeen);
    case 'datagram-dropped':
      return 'dropped';
    case 'role':
    case 'remote-credentials-missing':
    case 'trace-lost':
      return 'warning';
  }
}

function serverKind(
  e: Extract<TraceEvent, { type: 'server' }>,
  seen: (transactionId: string) => boolean,
): MarkKind {
  switch (e.step) {
    case 'request':
      return e.transactionId !== undefined && seen(e.transactionId)
        ? 'server-retransmitted'
        : 'server-request';
    case 'response':
      return e.code === undefined ? 'server-response' : 'server-error-response';
    case 'mapped':
    case 'allocated':
      return 'server-result';
    case 'error':
      return 'server-error';
    default:
      return 'state';
  }
}

/** Colours of the state bands, by state name (pair, connection and gathering states). */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  new: '#e5e7eb',
  frozen: '#e5e7eb',
  waiting: '#cbd5e1',
  'in-progress': '#bfdbfe',
  gathering: '#bfdbfe',
  checking: '#bfdbfe',
  succeeded: '#bbf7d0',
  complete: '#bbf7d0',
  connected: '#bbf7d0',
  completed: '#86efac',
  disconnected: '#fde68a',
  failed: '#fecaca',
  closed: '#d1d5db',
};

/** The band colour of `state` (grey for one this version does not know). */
export function stateColor(state: string): string {
  return Object.hasOwn(STATE_COLORS, state) ? (STATE_COLORS[state] ?? '#e5e7eb') : '#e5e7eb';
}
