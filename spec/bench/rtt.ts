/**
 * Benchmark helper: ping-pong round trips over a path, one datagram in
 * flight. `a` sends a small datagram carrying a sequence number, `b` echoes
 * what it receives, `a` times the answer and sends the next one from inside
 * its receive handler. A datagram not answered within `lostMs` is counted
 * lost and the next one goes out; an answer carrying an old sequence number
 * (late) is ignored.
 */
import { performance } from 'node:perf_hooks';
import type { Ends } from './throughput.js';

export interface PingPongResult {
  /** One per answered round trip, µs. */
  readonly rttsUs: readonly number[];
  readonly lost: number;
}

export function pingPong(ends: Ends, count: number, size = 32, lostMs = 200): Promise<PingPongResult> {
  const payload = Buffer.alloc(Math.max(size, 8), 0x80); // first byte >= 4: never taken for STUN (RFC 7983)
  const rttsUs: number[] = [];
  let lost = 0;
  let seq = 0;
  let sentAt = 0;
  return new Promise((resolve) => {
    const offEcho = ends.b.onData((data) => ends.b.send(data));
    let watchdog: NodeJS.Timeout | undefined;
    const next = (): void => {
      if (rttsUs.length + lost >= count) {
        clearInterval(watchdog);
        offEcho();
        offBack();
        resolve({ rttsUs, lost });
        return;
      }
      payload.writeUInt32BE(++seq, 4);
      sentAt = performance.now();
      ends.a.send(payload);
    };
    const offBack = ends.a.onData((data) => {
      const got =
        (((data[4] ?? 0) << 24) | ((data[5] ?? 0) << 16) | ((data[6] ?? 0) << 8) | (data[7] ?? 0)) >>> 0;
      if (got !== seq) return;
      rttsUs.push((performance.now() - sentAt) * 1000);
      next();
    });
    // One timer for the whole run (not one per round trip, which would add its own cost to every RTT).
    watchdog = setInterval(() => {
      if (performance.now() - sentAt > lostMs) {
        lost++;
        next();
      }
    }, lostMs);
    next();
  });
}
