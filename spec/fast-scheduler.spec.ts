import { debounceTime, delay, interval, Subject, take, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { connectAgents, FastScheduler, VirtualNetwork } from '../lib/testing/index.js';

describe('FastScheduler ordering', () => {
  it('runs actions in due-time order and moves the clock to each', () => {
    const s = new FastScheduler();
    const seen: [string, number][] = [];
    for (const [name, at] of [
      ['c', 30],
      ['a', 10],
      ['d', 40],
      ['b', 20],
    ] as const)
      s.schedule(() => seen.push([name, s.now()]), at);
    s.advanceTo(25);
    expect(seen).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
    expect(s.now()).toBe(25);
    s.advanceBy(100);
    expect(seen.map(([n]) => n).join('')).toBe('abcd');
    expect(s.now()).toBe(125);
  });

  it('is FIFO at equal times, including actions scheduled with delay 0 from a running action', () => {
    const s = new FastScheduler();
    const seen: string[] = [];
    s.schedule(() => {
      seen.push('1');
      s.schedule(() => seen.push('1.0'), 0);
    }, 5);
    s.schedule(() => seen.push('2'), 5);
    s.schedule(() => seen.push('3'), 5);
    s.advanceTo(5);
    expect(seen).toEqual(['1', '2', '3', '1.0']);
  });

  it('treats negative and NaN delays as 0 and never moves the clock backwards', () => {
    const s = new FastScheduler(100);
    const at: number[] = [];
    s.schedule(() => at.push(s.now()), -5);
    s.schedule(() => at.push(s.now()), Number.NaN);
    s.advanceTo(50); // the past: runs what is due now, the clock stays
    expect(at).toEqual([]);
    expect(s.now()).toBe(100);
    s.advanceBy(0);
    expect(at).toEqual([100, 100]);
  });

  it('keeps a randomized mix of delays in (time, order) order', () => {
    const s = new FastScheduler();
    const seen: [number, number][] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const d = x % 97;
      s.schedule(() => seen.push([s.now(), i]), d);
    }
    s.flush();
    for (let k = 1; k < seen.length; k++) {
      const [t0, i0] = seen[k - 1] as [number, number];
      const [t1, i1] = seen[k] as [number, number];
      expect(t0 < t1 || (t0 === t1 && i0 < i1)).toBe(true);
    }
  });
});

describe('FastScheduler cancellation and rescheduling', () => {
  it('an unsubscribed action never runs and leaves the queue at once', () => {
    const s = new FastScheduler();
    let ran = false;
    const sub = s.schedule(() => (ran = true), 10);
    expect(s.size).toBe(1);
    sub.unsubscribe();
    expect(s.size).toBe(0);
    s.advanceBy(20);
    expect(ran).toBe(false);
  });

  it('cancelled timers do not accumulate: re-arming a timeout a million times keeps one entry', () => {
    const s = new FastScheduler();
    let sub = s.schedule(() => undefined, 1000);
    for (let i = 0; i < 1_000_000; i++) {
      sub.unsubscribe();
      sub = s.schedule(() => undefined, 1000 + (i % 7));
    }
    expect(s.size).toBe(1);
    expect(s.peakSize).toBe(1);
  });

  it('an action reschedules itself with this.schedule(state, delay) (periodic), and stops when unsubscribed', () => {
    const s = new FastScheduler();
    const at: [number, number][] = [];
    const sub = s.schedule(
      function (this, n?: number) {
        at.push([s.now(), n ?? 0]);
        this.schedule((n ?? 0) + 1, 100);
      },
      50,
      0,
    );
    s.advanceTo(360);
    expect(at).toEqual([
      [50, 0],
      [150, 1],
      [250, 2],
      [350, 3],
    ]);
    expect(s.size).toBe(1);
    sub.unsubscribe();
    expect(s.size).toBe(0);
    s.advanceBy(1000);
    expect(at).toHaveLength(4);
  });

  it('rescheduling a queued action moves it (one entry) and runs it once', () => {
    const s = new FastScheduler();
    let runs = 0;
    const action = s.schedule(function (this) {
      runs++;
    }, 10) as unknown as { schedule(state?: unknown, delay?: number): unknown };
    action.schedule(undefined, 50);
    expect(s.size).toBe(1);
    s.advanceTo(20);
    expect(runs).toBe(0);
    s.advanceTo(60);
    expect(runs).toBe(1);
  });

  it('nested scheduling: actions scheduled from actions run at their own due time within one advance', () => {
    const s = new FastScheduler();
    const at: number[] = [];
    s.schedule(() => {
      at.push(s.now());
      s.schedule(() => {
        at.push(s.now());
        s.schedule(() => at.push(s.now()), 5);
      }, 10);
    }, 10);
    s.advanceTo(100);
    expect(at).toEqual([10, 20, 25]);
  });

  it('runUntil stops when the predicate holds or the limit is reached; flush(limit) bounds periodic timers', () => {
    const s = new FastScheduler();
    let n = 0;
    s.schedule(function (this) {
      n++;
      this.schedule(undefined, 10);
    }, 10);
    expect(s.runUntil(() => n === 5)).toBe(true);
    expect(s.now()).toBe(50);
    expect(s.runUntil(() => n === 100, 30)).toBe(false);
    expect(n).toBe(8);
    expect(s.flush(100)).toBe(false);
    expect(s.now()).toBe(180);
  });

  it('an error thrown by an action propagates and leaves the rest of the queue intact', () => {
    const s = new FastScheduler();
    const seen: string[] = [];
    s.schedule(() => {
      throw new Error('boom');
    }, 1);
    s.schedule(() => seen.push('after'), 2);
    expect(() => s.advanceTo(5)).toThrow('boom');
    s.advanceTo(5);
    expect(seen).toEqual(['after']);
  });
});

describe('FastScheduler with RxJS operators', () => {
  it('timer, interval, delay and debounceTime run in virtual time', () => {
    const s = new FastScheduler();
    const seen: string[] = [];
    timer(100, s).subscribe(() => seen.push(`timer@${s.now()}`));
    interval(40, s)
      .pipe(take(3))
      .subscribe((i) => seen.push(`interval${i}@${s.now()}`));
    const input = new Subject<string>();
    input.pipe(delay(30, s)).subscribe((v) => seen.push(`delay${v}@${s.now()}`));
    input.pipe(debounceTime(25, s)).subscribe((v) => seen.push(`debounce${v}@${s.now()}`));
    s.schedule(() => input.next('x'), 10);
    s.schedule(() => input.next('y'), 20);
    s.flush();
    expect(seen).toEqual(
      [
        'interval0@40',
        'delayx@40',
        'delayy@50',
        'debouncey@45',
        'interval1@80',
        'timer@100',
        'interval2@120',
      ].sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1])),
    );
    expect(s.size).toBe(0);
  });

  it('timer(due, period) is periodic and stops on unsubscribe', () => {
    const s = new FastScheduler();
    const at: number[] = [];
    const sub = timer(10, 20, s).subscribe(() => at.push(s.now()));
    s.advanceTo(75);
    sub.unsubscribe();
    s.advanceTo(500);
    expect(at).toEqual([10, 30, 50, 70]);
    expect(s.size).toBe(0);
  });
});

describe('FastScheduler runs ICE sessions', () => {
  it('two agents on the virtual network connect, agree on the pair and exchange data', () => {
    const s = new FastScheduler();
    const net = new VirtualNetwork({ scheduler: s, latency: 25, seed: 3 });
    const hostA = net.createHost('a', { addresses: ['10.0.0.1'] });
    const hostB = net.createHost('b', { addresses: ['10.0.0.2'] });
    const a = new IceAgent({ role: 'controlling', transport: hostA, scheduler: s });
    const b = new IceAgent({ role: 'controlled', transport: hostB, scheduler: s });
    connectAgents(a, b, { scheduler: s, candidateDelay: 40, credentialsDelay: 60 });
    const received: string[] = [];
    b.data$.subscribe((d) => received.push(new TextDecoder().decode(d)));
    const connected = () => a.getStats().state === 'completed' && b.getStats().state === 'completed';
    expect(s.runUntil(connected, 10_000)).toBe(true);
    expect(s.now()).toBeLessThan(1000);
    const pa = a.getStats().selectedPair;
    const pb = b.getStats().selectedPair;
    expect(pa?.local.address).toBe(pb?.remote.address);
    expect(pa?.local.port).toBe(pb?.remote.port);
    a.send(new TextEncoder().encode('hello'));
    s.advanceBy(100);
    expect(received).toEqual(['hello']);
    // Consent keeps exactly a handful of timers armed, however long it runs.
    s.advanceBy(600_000);
    expect(a.getStats().state).toBe('completed');
    expect(s.size).toBeLessThan(20);
    a.stop();
    b.stop();
    s.flush(1_000_000);
    expect(s.size).toBe(0);
  });
});
