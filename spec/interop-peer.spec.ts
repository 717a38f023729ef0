/**
 * examples/interop-peer.ts on its own: two peers over real UDP on 127.0.0.1,
 * with the signaling deliberately reordered (every candidate before the
 * credentials), `--host-ip` given, and exit on stdin EOF checked; ICE-lite
 * (`--lite`, the `lite` field of the credentials line), ICE-TCP (`--tcp`: TCP
 * host candidates only, remote UDP ones skipped) and the exit codes of
 * unsupported modes (3) and usage errors (2).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Line = { type: string; [key: string]: unknown };

function startPeer(role: 'controlling' | 'controlled', ...flags: string[]) {
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
      ...flags,
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
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    onLine: (listener: (line: Line) => void) => listeners.push(listener),
  };
}
type Peer = ReturnType<typeof startPeer>;

/** Copies one peer's signaling lines to the other, unchanged (as the driver does). */
function relay(from: Peer, to: Peer): void {
  from.onLine((line) => {
    if (['credentials', 'candidate', 'end-of-candidates'].includes(line.type))
      to.child.stdin.write(`${JSON.stringify(line)}\n`);
  });
}

/** Resolves once every peer has reported `done`. */
const allDone = (...peers: Peer[]) =>
  new Promise<void>((done) => {
    const check = () => {
      if (peers.every((p) => p.lines.some((l) => l.type === 'done'))) done();
    };
    for (const p of peers) p.onLine(check);
  });

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((done) => child.once('close', (code) => done(code))); // after stdout is drained

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

describe('the interop peer, ICE-lite and unsupported modes', () => {
  it('--lite announces "lite": true; a full peer told --role controlled takes control and pings', async () => {
    const full = startPeer('controlled'); // the driver never does this, but a lite remote must win
    const lite = startPeer('controlled', '--lite', '--stun', '127.0.0.1:9'); // --stun is ignored when lite
    relay(full, lite);
    relay(lite, full);
    await allDone(full, lite);
    expect(lite.lines.find((l) => l.type === 'credentials')).toMatchObject({ lite: true });
    expect(full.lines.find((l) => l.type === 'credentials')).not.toHaveProperty('lite');
    expect(lite.lines.filter((l) => l.type === 'candidate')).toHaveLength(1); // host only
    expect(full.stderr()).toMatch(/remote is ICE-lite: taking the controlling role/);
    // The full side pinged (it received pongs), the lite side answered.
    expect(full.lines.filter((l) => l.type === 'data')).toHaveLength(5);
    expect(full.lines.find((l) => l.type === 'done')).toMatchObject({ sent: 5, received: 5 });
    expect(lite.lines.find((l) => l.type === 'done')).toMatchObject({ sent: 5, received: 5 });
    expect(lite.lines.filter((l) => l.type === 'state').map((l) => l.state)).toEqual([
      'checking',
      'connected',
      'completed',
    ]);
    const codes = [exited(full.child), exited(lite.child)];
    full.child.stdin.end();
    lite.child.stdin.end();
    expect(await Promise.all(codes)).toEqual([0, 0]);
  }, 30_000);

  it('a lite peer whose remote also announces "lite": true reports error (two lite agents cannot connect)', async () => {
    const lite = startPeer('controlled', '--lite');
    const code = exited(lite.child);
    const remote = { type: 'credentials', ufrag: 'abcd', pwd: 'p'.repeat(22), lite: true };
    lite.child.stdin.write(`${JSON.stringify(remote)}\n`);
    expect(await code).toBe(1);
    expect(lite.lines.find((l) => l.type === 'error')?.message).toMatch(/two ICE-lite agents cannot connect/);
  }, 30_000);

  it.each([
    {
      flags: ['--tcp', '--lite'],
      role: 'controlled' as const,
      code: 3,
      reason: /unsupported: --tcp with --lite/,
    },
    { flags: ['--tcp', '--relay-only'], role: 'controlling' as const, code: 2, reason: /--relay-only/ },
    { flags: ['--lite'], role: 'controlling' as const, code: 2, reason: /--lite needs --role controlled/ },
    { flags: ['--lite', '--relay-only'], role: 'controlled' as const, code: 2, reason: /--relay-only/ },
  ])(
    '$flags with --role $role exits $code before its credentials line',
    async ({ flags, role, code, reason }) => {
      const peer = startPeer(role, ...flags);
      expect(await exited(peer.child)).toBe(code);
      expect(peer.lines.map((l) => l.type)).not.toContain('credentials');
      // Exit 3: the reason on stderr (PROTOCOL.md); exit 2: an `error` line.
      const errors = peer.lines.filter((l) => l.type === 'error').map((l) => String(l.message));
      expect([peer.stderr(), ...errors].join('\n')).toMatch(reason);
      if (code === 3) expect(errors).toEqual([]);
    },
    30_000,
  );
});

describe('the interop peer, ICE-TCP', () => {
  it('--tcp signals TCP host candidates only (active port 9, passive, so), skips remote UDP ones, runs the data test over TCP', async () => {
    const a = startPeer('controlling', '--tcp');
    const b = startPeer('controlled', '--tcp');
    relay(a, b);
    relay(b, a);
    // A UDP candidate from the remote is ignored under --tcp (PROTOCOL.md), not an error.
    a.child.stdin.write(
      `${JSON.stringify({ type: 'candidate', candidate: 'candidate:9 1 udp 2130706431 127.0.0.1 9999 typ host' })}\n`,
    );
    await allDone(a, b);
    for (const peer of [a, b]) {
      const candidates = peer.lines.filter((l) => l.type === 'candidate').map((l) => String(l.candidate));
      expect(candidates).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^candidate:\S+ 1 tcp \d+ 127\.0\.0\.1 9 typ host tcptype active/),
          expect.stringMatching(/^candidate:\S+ 1 tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/),
          expect.stringMatching(/^candidate:\S+ 1 tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype so/),
        ]),
      );
      expect(candidates).toHaveLength(3);
      const selected = peer.lines.find((l) => l.type === 'selected');
      expect(String(selected?.local)).toMatch(/ tcp .* tcptype (active|passive)/);
      expect(peer.lines.find((l) => l.type === 'done')).toMatchObject({ sent: 5, received: 5 });
      expect(peer.lines.map((l) => l.type)).not.toContain('error');
    }
    expect(a.stderr()).toMatch(/--tcp: skipping non-TCP candidate: candidate:9 1 udp/);
    const codes = [exited(a.child), exited(b.child)];
    a.child.stdin.end();
    b.child.stdin.end();
    expect(await Promise.all(codes)).toEqual([0, 0]);
  }, 120_000); // two tsx processes start (tens of seconds when loaded)
});
