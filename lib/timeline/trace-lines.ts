/**
 * Trace events to and from JSON lines: `traceToJsonLines()` records `trace$` for a file, and
 * `parseTraceJsonLines()` reads such a file back, checking every line (the input is untrusted).
 * @module
 */
import { map, type OperatorFunction } from 'rxjs';
import { InvalidArgumentError, InvalidTraceError } from '../errors.js';
import type { TraceEvent } from '../trace-events.js';
import { isKnownTraceType, traceFieldProblem } from './trace-schema.js';

/**
 * An operator that turns each trace event into one line of JSON ending in `\n`, the input of
 * `rx-ice-timeline` and {@link parseTraceJsonLines}.
 *
 * @example
 * ```ts
 * agent.trace$.pipe(traceToJsonLines()).subscribe((line) => file.write(line));
 * ```
 */
export function traceToJsonLines(): OperatorFunction<TraceEvent, string> {
  return map((event) => `${JSON.stringify(event)}\n`);
}

/** What {@link parseTraceJsonLines} read. */
export interface ParsedTrace {
  /** The events, in the order of the lines. */
  readonly events: TraceEvent[];
  /**
   * Lines skipped because their `type` is not one this version knows (from a newer rx-ice, or
   * other records in the same file), by type.
   */
  readonly skipped: ReadonlyMap<string, number>;
}

/**
 * Reads a trace written as JSON lines (one `JSON.stringify(event)` per line). Blank lines are
 * ignored; a line with an unknown `type` is skipped and counted in `skipped`; any other line that
 * is not a trace event (not JSON, not an object, no string `type`, a missing or mistyped field of
 * a known type) throws an {@link InvalidTraceError} naming its line number.
 */
export function parseTraceJsonLines(text: string): ParsedTrace {
  if (typeof text !== 'string')
    throw new InvalidArgumentError('parseTraceJsonLines: the trace must be a string');
  const events: TraceEvent[] = [];
  const skipped = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new InvalidTraceError(i + 1, `not JSON (${(cause as Error).message})`, { cause });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidTraceError(i + 1, 'not a JSON object');
    }
    const record = value as Record<string, unknown>;
    if (typeof record.type !== 'string') throw new InvalidTraceError(i + 1, 'no string "type"');
    if (!isKnownTraceType(record.type)) {
      skipped.set(record.type, (skipped.get(record.type) ?? 0) + 1);
      continue;
    }
    const problem = traceFieldProblem(record.type, record);
    if (problem !== undefined) throw new InvalidTraceError(i + 1, problem);
    events.push(record as unknown as TraceEvent);
  }
  return { events, skipped };
}
