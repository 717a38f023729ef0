/**
 * JSON lines in and out: traceToJsonLines writes what parseTraceJsonLines reads back; every line
 * that is not a trace event is an InvalidTraceError naming its line; unknown types are skipped
 * and counted.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  InvalidTraceError,
  parseTraceJsonLines,
  type TraceEvent,
  traceToJsonLines,
} from '../../lib/index.js';
import { tracedSession } from '../helpers/timeline-session.js';

const GOOD = '{"type":"role","role":"controlled","at":5,"generation":0}';

describe('trace as JSON lines', () => {
  it('round-trips a real trace: one line per event, read back equal', async () => {
    const { a } = tracedSession(6000);
    const lines = await lastValueFrom(from(a).pipe(traceToJsonLines(), toArray()));
    expect(lines).toHaveLength(a.length);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const parsed = parseTraceJsonLines(lines.join(''));
    expect(parsed.events).toEqual(JSON.parse(JSON.stringify(a)) as TraceEvent[]);
    expect(parsed.skipped.size).toBe(0);
  });

  it('ignores blank lines and CRLF; skips and counts unknown types', () => {
    const text = `\r\n${GOOD}\r\n\n{"type":"from-the-future","at":1}\n${GOOD}\n{"type":"from-the-future"}\n`;
    const parsed = parseTraceJsonLines(text);
    expect(parsed.events).toEqual([
      { type: 'role', role: 'controlled', at: 5, generation: 0 },
      { type: 'role', role: 'controlled', at: 5, generation: 0 },
    ]);
    expect([...parsed.skipped]).toEqual([['from-the-future', 2]]);
  });

  it.each([
    ['not JSON', 'NODE_DEBUG output, not JSON', /^line 3: not JSON/],
    ['an array', '[1,2]', /^line 3: not a JSON object$/],
    ['null', 'null', /^line 3: not a JSON object$/],
    ['no type', '{"at":1,"generation":0}', /^line 3: no string "type"$/],
    ['no time', '{"type":"role","role":"controlled","generation":0}', /^line 3: role event lacks "at"$/],
    [
      'a mistyped field',
      '{"type":"check-sent","pairId":"1","transactionId":"ab","local":"a","remote":"b","useCandidate":true,"role":"controlling","at":1,"generation":0}',
      /^line 3: check-sent event has "pairId" of type string, expected a finite number$/,
    ],
    [
      'an optional field mistyped',
      '{"type":"check-answered","pairId":1,"transactionId":"ab","mapped":"m","rtt":"20","at":1,"generation":0}',
      /"rtt" of type string/,
    ],
    [
      'a huge number',
      '{"type":"role","role":"controlled","at":1e999,"generation":0}',
      /"at" of type number, expected a finite number/,
    ],
  ])('%s: InvalidTraceError naming line 3', (_, line, message) => {
    let error: unknown;
    try {
      parseTraceJsonLines(`${GOOD}\n\n${line}\n${GOOD}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTraceError);
    expect(error).toMatchObject({ code: 'INVALID_TRACE', line: 3, message: expect.stringMatching(message) });
  });
});
