/**
 * The rows of a timeline picture from a list of trace events: gathering, connection, one row per
 * STUN/TURN server attempt, one per candidate pair (per generation), and one for what reached no
 * pair (dropped datagrams, checks from unknown peers). Every event becomes exactly one mark.
 * @internal
 * @module
 */
import type { TraceEvent } from '../trace-events.js';
import { formatTraceEvent } from '../trace-format.js';
import { type MarkKind, markKindOf } from './mark-styles.js';

/** What a row shows. */
export type RowKind = 'gathering' | 'connection' | 'server' | 'pair' | 'other';

/** One event drawn. */
export interface Mark {
  /** The event. */
  readonly event: TraceEvent;
  /** How it is drawn. */
  readonly kind: MarkKind;
  /** The tooltip: the event as `NODE_DEBUG` prints it. */
  readonly title: string;
}

/** A state band: `state` from `from` until `to` (undefined: the end of the trace). */
export interface Span {
  /** The state's name (untrusted text). */
  readonly state: string;
  /** Entered at, ms. */
  readonly from: number;
  /** Left at, ms. */
  to: number | undefined;
}

/** A check's life: from the first transmission to its answer or failure. */
export interface Link {
  /** Sent at, ms. */
  readonly from: number;
  /** Answered or failed at, ms. */
  readonly to: number;
  /** Answered. */
  readonly ok: boolean;
}

/** One row of the picture. */
export interface Row {
  /** Unique, for `data-row` (letters, digits, dashes). */
  readonly id: string;
  /** What it shows. */
  readonly kind: RowKind;
  /** The words on the left (untrusted text: escape it). */
  label: string;
  /** The label's tooltip. */
  detail: string;
  /** Pair rows: what the label tells so far (the id, the addresses, the addresses and types). */
  named: 'id' | 'addresses' | 'types';
  /** The row's short name (`#3`, `g1 #3`). */
  readonly name: string;
  /** Its events, in trace order. */
  readonly marks: Mark[];
  /** Its state bands, in time order. */
  readonly spans: Span[];
  /** Its checks' lines. */
  readonly links: Link[];
  /** A pair that was selected. */
  selected: boolean;
  /** For sorting pair rows. */
  readonly order: readonly [number, number];
}

function newRow(id: string, kind: RowKind, label: string, order: readonly [number, number] = [0, 0]): Row {
  return {
    id,
    kind,
    label,
    detail: label,
    named: 'id',
    name: label,
    marks: [],
    spans: [],
    links: [],
    selected: false,
    order,
  };
}

/** Starts a band for `state` at `at`, ending the one before. */
function enterState(row: Row, state: string, at: number): void {
  const last = row.spans.at(-1);
  if (last !== undefined && last.to === undefined) last.to = at;
  row.spans.push({ state, from: at, to: undefined });
}

/** The pair id of a pair event, or undefined for the others. */
function pairIdOf(e: TraceEvent): number | undefined {
  if (e.type === 'request-received') return e.pairId;
  if ('pairId' in e && typeof e.pairId === 'number') return e.pairId;
  return undefined;
}

/** The rows of `events`, in drawing order. */
export function buildRows(events: readonly TraceEvent[]): Row[] {
  const gathering = newRow('gathering', 'gathering', 'gathering & candidates');
  const connection = newRow('connection', 'connection', 'connection');
  const servers = new Map<string, Row>();
  const pairs = new Map<string, Row>();
  const other = newRow('other', 'other', 'dropped / no pair');
  const serverTransactions = new Set<string>();
  const checks = new Map<string, number>();

  const rowOf = (e: TraceEvent): Row => {
    const pairId = pairIdOf(e);
    if (pairId !== undefined) {
      const key = `${e.generation}:${pairId}`;
      let row = pairs.get(key);
      if (row === undefined) {
        const label = `${e.generation === 0 ? '' : `g${e.generation} `}#${pairId}`;
        row = newRow(`pair-${e.generation}-${pairId}`, 'pair', label, [e.generation, pairId]);
        pairs.set(key, row);
      }
      return row;
    }
    switch (e.type) {
      case 'gathering-state':
      case 'local-candidate':
      case 'remote-candidate':
        return gathering;
      case 'server': {
        const key = `${e.url} from ${e.hostAddress || '?'}`;
        let row = servers.get(key);
        if (row === undefined) {
          row = newRow(`server-${servers.size}`, 'server', key);
          servers.set(key, row);
        }
        return row;
      }
      case 'datagram-dropped':
      case 'request-received':
        return other;
      default:
        return connection;
    }
  };

  for (const e of events) {
    const row = rowOf(e);
    const kind = markKindOf(e, (tx) => serverTransactions.has(tx));
    row.marks.push({ event: e, kind, title: formatTraceEvent(e) });
    switch (e.type) {
      case 'gathering-state':
      case 'connection-state':
      case 'pair-state':
        enterState(row, e.state, e.at);
        break;
      case 'server':
        if (e.step === 'request' && e.transactionId !== undefined) serverTransactions.add(e.transactionId);
        break;
      case 'check-sent':
        checks.set(`${row.id}/${e.transactionId}`, e.at);
        break;
      case 'check-answered':
      case 'check-failed': {
        const sent = checks.get(`${row.id}/${e.transactionId}`);
        if (sent !== undefined) row.links.push({ from: sent, to: e.at, ok: e.type === 'check-answered' });
        break;
      }
      case 'pair-selected':
        row.selected = true;
        break;
    }
    if (row.kind === 'pair') labelPair(row, e);
  }
  const pairRows = [...pairs.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  return [
    gathering,
    connection,
    ...servers.values(),
    ...pairRows,
    ...(other.marks.length > 0 ? [other] : []),
  ];
}

/** Names a pair row after its candidates, from the first event that tells them. */
function labelPair(row: Row, e: TraceEvent): void {
  if (e.type === 'pair-state' && row.named !== 'types') {
    row.named = 'types';
    row.label = `${row.name} ${e.local} → ${e.remote} ${e.localType}/${e.remoteType}`;
    row.detail = `pair ${row.name}: local ${e.localType} ${e.local} → remote ${e.remoteType} ${e.remote}`;
  } else if ((e.type === 'check-sent' || e.type === 'pair-selected') && row.named === 'id') {
    row.named = 'addresses';
    row.label = `${row.name} ${e.local} → ${e.remote}`;
    row.detail = `pair ${row.name}: local ${e.local} → remote ${e.remote}`;
  }
}
