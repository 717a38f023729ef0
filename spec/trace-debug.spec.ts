/**
 * `NODE_DEBUG=rx-ice`: a child process running two agents prints every trace
 * event as one line on stderr (Node's `util.debuglog`), and nothing without it.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatTraceEvent } from '../lib/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const FIXTURE = resolve(ROOT, 'spec/fixtures/trace-debug.ts');

async function run(env: NodeJS.ProcessEnv) {
  // tsx compiles on start: tens of seconds on a loaded machine; the bound is a hang guard only.
  return promisify(execFile)(TSX, [FIXTURE], {
    cwd: ROOT,
    timeout: 110_000,
    env: { ...process.env, ...env },
  });
}

describe('NODE_DEBUG=rx-ice', () => {
  it('prints every trace event of every agent as one readable line', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: 'rx-ice' });
    expect(stdout).toBe('state completed\n');
    const lines = stderr.split('\n').filter((l) => l.startsWith('RX-ICE '));
    expect(lines.length).toBeGreaterThan(20);
    // "RX-ICE <pid>: agent <n> <at>ms g<generation> <type> ..."
    for (const line of lines) expect(line).toMatch(/^RX-ICE \d+: agent [12] \d+ms g0 [a-z-]+ /);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/agent 1 0ms g0 gathering-state gathering: gatherCandidates\(\) was called$/),
        expect.stringMatching(
          /agent 1 0ms g0 check-sent pair 1 10\.0\.0\.1:\d+ -> 10\.0\.0\.2:\d+ tx [0-9a-f]{24} controlling$/,
        ),
        expect.stringMatching(
          /agent 1 20ms g0 check-answered pair 1 tx [0-9a-f]{24} rtt 20ms mapped 10\.0\.0\.1:\d+$/,
        ),
        expect.stringMatching(/agent 2 \d+ms g0 pair-nominated pair 1 by remote$/),
        expect.stringMatching(/agent 1 \d+ms g0 connection-state completed: /),
      ]),
    );
  }, 120_000);

  it('prints nothing without it', async () => {
    const { stdout, stderr } = await run({ NODE_DEBUG: '' });
    expect(stdout).toBe('state completed\n');
    expect(stderr).not.toContain('RX-ICE');
  }, 120_000);
});

describe('formatTraceEvent', () => {
  it.each([
    [
      {
        type: 'check-failed',
        pairId: 3,
        transactionId: 'ab',
        cause: 'error-response',
        code: 401,
        reason: 'Unauthorized',
        at: 1250,
        generation: 0,
      },
      '1250ms g0 check-failed pair 3 tx ab error-response 401 Unauthorized',
    ],
    [
      {
        type: 'connection-state',
        state: 'failed',
        reason: 'why',
        failureReason: 'turn-refused',
        code: 403,
        at: 5,
        generation: 1,
      },
      '5ms g1 connection-state failed (turn-refused 403): why',
    ],
    [
      {
        type: 'request-received',
        transactionId: 'cd',
        from: '[::1]:9',
        socketId: 2,
        pairId: undefined,
        useCandidate: false,
        outcome: 'dropped',
        reason: 'replayed',
        at: 7,
        generation: 0,
      },
      '7ms g0 request-received from [::1]:9 socket 2 tx cd -> dropped replayed',
    ],
    [
      {
        type: 'server',
        url: 'turn:198.51.100.2:3478',
        hostAddress: '198.51.100.20',
        step: 'response',
        method: 'Allocate',
        transactionId: 'ef',
        code: 401,
        reason: 'Unauthorized',
        at: 20,
        generation: 0,
      },
      '20ms g0 server turn:198.51.100.2:3478 from 198.51.100.20 response Allocate tx ef 401 Unauthorized',
    ],
    [
      { type: 'trace-lost', count: 6, at: 9, generation: 0 },
      '9ms g0 trace-lost 6 trace events lost (buffer full)',
    ],
    [
      {
        type: 'datagram-dropped',
        socketId: 1,
        from: '10.0.0.9:5',
        length: 4,
        reason: 'unvalidated-source',
        at: 1,
        generation: 0,
      },
      '1ms g0 datagram-dropped 4 bytes from 10.0.0.9:5 socket 1: unvalidated-source',
    ],
  ] as const)('%o', (event, line) => {
    expect(formatTraceEvent(event)).toBe(line);
  });
});
