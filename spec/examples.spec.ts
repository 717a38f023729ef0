/**
 * Runs every example program the way README tells users to, as a child process with tsx, and
 * checks what it prints, so no example rots. (The example tests, `examples/*.test.ts`, are part
 * of the vitest run itself; `examples/interop-peer.ts` is exercised by `npm run test:interop`.)
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** Runs `tsx file` and returns its stdout; a failure (or a 110 s timeout) rejects with its output. */
async function runExample(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(TSX, [file], { cwd: ROOT, timeout: 110_000 });
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
});
