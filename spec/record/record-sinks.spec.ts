/** Where a recording goes: a writable stream (a file) or an observer (a Subject), and back into a replay. */

import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type IceAgent, type IceAgentOptions, InvalidArgumentError, recordSession } from '../../lib/index.js';
import { replaySession } from '../../lib/testing/index.js';
import { virtualPairRecordedBy, wire } from './record-kit.js';

/** Runs a 2 s session between a recorded agent built by `record` and a plain peer. */
function session(record: (options: IceAgentOptions) => IceAgent): void {
  const { scheduler, a, b } = virtualPairRecordedBy(record);
  wire(a, b);
  wire(b, a);
  a.gatherCandidates();
  b.gatherCandidates();
  scheduler.advanceBy(2000);
  a.stop();
  b.stop();
}

describe('recording sinks', () => {
  it('writes JSON lines to a file that replays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-ice-record-'));
    try {
      const file = join(dir, 'session.jsonl');
      const stream = createWriteStream(file);
      session((options) => recordSession(options, stream));
      stream.end();
      await once(stream, 'finish');
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const replay = replaySession(text);
      expect(replay.outputs).toEqual(replay.recorded);
      expect(replay.outputs.some((o) => o.k === 'emit' && o.value === 'connected')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('emits each line on an observer, so the recording is an Observable', async () => {
    const lines$ = new Subject<string>();
    const all = new Promise<string[]>((resolve) => lines$.pipe(toArray()).subscribe(resolve));
    session((options) => recordSession(options, lines$));
    lines$.complete();
    const lines = await all;
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      k: 'start',
      v: 1,
      options: { role: 'controlling' },
    });
    expect(replaySession(lines).mismatch).toBeUndefined();
  });

  it('refuses a sink that is none of these', () => {
    expect(() => recordSession({ role: 'controlled' }, 42 as never)).toThrow(InvalidArgumentError);
  });
});
