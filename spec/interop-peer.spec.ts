/**
 * examples/interop-peer.ts on its own: two peers over real UDP on 127.0.0.1,
 * with the signaling deliberately reordered (every candidate before the
 * credentials), `--host-ip` given, and exit on stdin EOF checked.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Line = { type: string; [key: string]: unknown };

function startPeer(role: 'controlling' | 'controlled') {
  const child = spawn(
    process.execPath,
    [
      resolve(repo, 'node_modules/.bin/tsx'),
      resolve(repo, 'examples/interop-peer.ts'),
      '--role',
      role,
      '--count',
      '5',
      '--host-ip',
      '127.0.0.1',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: Line[] = [];
  const listeners: Array<(line: Line) => void> = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Line; // stdout must be protocol JSON only
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  child.stderr.resume();
  return { child, lines, onLine: (listener: (line: Line) => void) => listeners.push(listener) };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

describe('the interop peer', () => {
  it('buffers candidates that arrive before credentials, runs the data test, exits on EOF', async () => {
    const a = startPeer('controlling');
    const b = startPeer('controlled');
    const relay = (from: typeof a, to: typeof a) => {
      const held: Line[] = [];
      from.onLine((line) => {
        if (line.type === 'credentials') held.push(line);
        else if (line.type === 'candidate' || line.type === 'end-of-candidates')
          to.child.stdin.write(`${JSON.stringify(line)}\n`);
        if (line.type === 'end-of-candidates') {
          // Only now the credentials: every candidate (and end-of-candidates) went first.
          setTimeout(() => {
            for (const h of held) to.child.stdin.write(`${JSON.stringify(h)}\n`);
          }, 200);
        }
      });
    };
    relay(a, b);
    relay(b, a);
    const bothDone = new Promise<void>((done) => {
      const check = () => {
        if (a.lines.some((l) => l.type === 'done') && b.lines.some((l) => l.type === 'done')) done();
      };
      a.onLine(check);
      b.onLine(check);
    });
    await bothDone;
    for (const peer of [a, b]) {
      expect(peer.lines[0]).toMatchObject({ type: 'hello', impl: 'rx-ice', data: true });
      expect(peer.lines.filter((l) => l.type === 'candidate').map((l) => String(l.candidate))).toEqual([
        expect.stringMatching(/^candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/),
      ]);
      expect(peer.lines.map((l) => l.type)).toContain('selected');
      expect(peer.lines.find((l) => l.type === 'done')).toMatchObject({ sent: 5, received: 5 });
    }
    const codes = [exited(a.child), exited(b.child)];
    a.child.stdin.end();
    b.child.stdin.end();
    expect(await Promise.all(codes)).toEqual([0, 0]);
  }, 120_000); // two tsx processes start (tens of seconds when loaded), then up to the PAC timer (39.5 s)
});
