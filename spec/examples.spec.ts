/**
 * Runs every example program the way README tells users to, as a child process with tsx, and
 * checks what it prints, so no example rots. (The example tests, `examples/*.test.ts`, are part
 * of the vitest run itself; `examples/interop-peer.ts` is exercised by `npm run test:interop`.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseTraceJsonLines, renderTimeline, type TraceEvent } from '../lib/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** Runs `tsx file ...args` and returns its stdout; a failure (or a 110 s timeout) rejects with its output. */
async function runExample(file: string, args: readonly string[] = []): Promise<string> {
  const { stdout } = await promisify(execFile)(TSX, [file, ...args], { cwd: ROOT, timeout: 110_000 });
  return stdout;
}

// tsx compiles on start (tens of seconds on a loaded machine), then the agents may take up to the
// PAC timer (39.5 s) to conclude: hang guards, not assertions.
const EXAMPLE_TIMEOUT = 120_000;

describe('examples', () => {
  it(
    'examples/loopback.ts (npm start) connects two agents over UDP and echoes data',
    async () => {
      const out = await runExample('examples/loopback.ts');
      expect(out).toMatch(/^alice candidate\s+candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m);
      expect(out).toMatch(/^alice state\s+connected$/m);
      expect(out).toMatch(/^bob state\s+(connected|completed)$/m);
      expect(out).toMatch(/^alice selected\s+127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/m);
      expect(out).toContain('alice got back: HELLO ICE WORLD');
      expect(out).toMatch(/^alice state\s+closed$/m);
    },
    EXAMPLE_TIMEOUT,
  );

  it(
    'examples/record-trace.ts records a real session as JSON lines that rx-ice-timeline draws',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rx-ice-record-'));
      try {
        const file = join(dir, 'session.jsonl');
        const out = await runExample('examples/record-trace.ts', [file, '2']);
        expect(out).toMatch(/^alice state completed$/m);
        const { events } = parseTraceJsonLines(readFileSync(file, 'utf8'));
        expect(out).toContain(`recorded ${events.length} events to ${file}`);
        const types = new Set(events.map((e) => e.type));
        for (const type of ['check-sent', 'check-retransmitted', 'check-answered', 'pair-selected']) {
          expect(types.has(type as TraceEvent['type']), type).toBe(true);
        }
        const unanswered = events.find((e) => e.type === 'check-sent' && e.remote === '127.0.0.1:9');
        expect(unanswered).toBeDefined();
        expect((renderTimeline(events).match(/class="ev"/g) ?? []).length).toBe(events.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    EXAMPLE_TIMEOUT,
  );

  it(
    'examples/wire-signaling.ts connects two agents signaling JSON lines over TCP',
    async () => {
      const out = await runExample('examples/wire-signaling.ts');
      expect(out).toMatch(/^alice state connected$/m);
      expect(out).toMatch(/^bob state (connected|completed)$/m);
      expect(out).toContain('alice got: pong ping');
      expect(out).toMatch(/^bob state closed$/m);
    },
    EXAMPLE_TIMEOUT,
  );

  it(
    'examples/mux-server.ts runs three sessions on one UdpMux port, each echoing to its own client',
    async () => {
      const out = await runExample('examples/mux-server.ts');
      const port = /^server listening on udp 127\.0\.0\.1:(\d+)$/m.exec(out)?.[1];
      expect(port).toBeDefined();
      for (const name of ['ann', 'ben', 'cat']) {
        expect(out).toContain(`${name} connected; server candidate 127.0.0.1:${port}`);
      }
      for (const [i, name] of ['ann', 'ben', 'cat'].entries()) {
        expect(out).toContain(`${name}'s session echoes hello ${i}`);
      }
      expect(out).toMatch(/^mux: 3 sessions on one port; routed \d+/m);
      expect(out).toContain('server closed');
    },
    EXAMPLE_TIMEOUT,
  );

  it(
    'examples/mux-workers.ts spreads sessions over one UdpMux per worker thread, one port each',
    async () => {
      const out = await runExample('examples/mux-workers.ts');
      const ports = [...out.matchAll(/^worker \d: mux on udp 127\.0\.0\.1:(\d+)$/gm)].map((m) => m[1]);
      expect(new Set(ports).size).toBe(2);
      const used = new Set<string | undefined>();
      for (let id = 0; id < 6; id++) {
        const line = new RegExp(
          `^session ${id} -> port (\\d+): port \\1 echoes "hello from client ${id}"$`,
          'm',
        );
        expect(out).toMatch(line);
        const port = line.exec(out)?.[1];
        expect(ports).toContain(port);
        used.add(port);
      }
      expect(used.size).toBe(2); // sessions spread over both workers
      expect(out).toContain('6 sessions over 2 workers, one port each: done');
    },
    EXAMPLE_TIMEOUT,
  );
});
