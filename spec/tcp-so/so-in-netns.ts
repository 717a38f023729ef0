/**
 * Run inside a throw-away network namespace (see spec/tcp-so-netns.spec.ts)
 * whose loopback drops outbound TCP RSTs, as a NAT that drops unsolicited
 * SYNs would leave a connect pending: real TCP simultaneous open, first with
 * the transport alone, then between two agents over their `so` candidates
 * only. Prints one JSON line. Traffic never leaves the namespace. Without
 * the rule (plain loopback) it shows what happens there: the first connect is
 * refused at once, and the agents' attempts rarely cross.
 */
import { firstValueFrom, lastValueFrom, merge, Subscription, timeout } from 'rxjs';
import { filter, take, toArray } from 'rxjs/operators';
import { IceAgent } from '../../lib/agent.js';
import { serializeCandidate } from '../../lib/candidate.js';
import { connectTcp, reserveTcpPort, withNodeTcp } from '../../lib/transport/tcp.js';
import { UdpTransport } from '../../lib/transport/udp.js';

const LO = '127.0.0.1';
/** How long the agents may take to connect, ms (argument 2; default 20,000; 0 skips the agents). */
const WAIT = Number(process.argv[2] ?? 20_000);

/** Two connects between reserved ports, the second 200 ms after the first: one connection? */
async function transportLevel(): Promise<Record<string, unknown>> {
  const a = await firstValueFrom(reserveTcpPort(LO));
  const b = await firstValueFrom(reserveTcpPort(LO));
  const first = firstValueFrom(connectTcp(LO, LO, b.port, a.port)).catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 200)); // A's SYN was answered by an RST (that the rule drops)
  const second = firstValueFrom(connectTcp(LO, LO, a.port, b.port)).catch((e: Error) => e);
  const [ca, cb] = await Promise.all([first, second]);
  if (ca instanceof Error || cb instanceof Error) {
    a.release();
    b.release();
    return { refused: [ca, cb].filter((c) => c instanceof Error).map((e) => e.message.split(': ').at(-1)) };
  }
  const got = firstValueFrom(cb.data$);
  ca.write(new Uint8Array([42]));
  const byte = (await got)[0];
  const result = { aLocal: ca.localPort === a.port, aRemote: ca.remotePort === b.port, byte };
  ca.close();
  cb.close();
  a.release();
  b.release();
  return result;
}

/** Two agents with tcp: 'only' that signal their so candidates only. */
async function agentLevel(): Promise<Record<string, unknown>> {
  const common = { tcp: 'only', ipFilter: (x: string) => x === LO, interfacePollInterval: 0 } as const;
  const a = new IceAgent({ role: 'controlling', transport: withNodeTcp(new UdpTransport()), ...common });
  const b = new IceAgent({ role: 'controlled', transport: withNodeTcp(new UdpTransport()), ...common });
  const signaling = new Subscription();
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const { ufrag, pwd } = from.getLocalCredentials();
    to.setRemoteCredentials(ufrag, pwd);
    signaling.add(
      from.candidates$
        .pipe(filter((c) => c.tcpType === 'so'))
        .subscribe((c) => to.addRemoteCandidate(serializeCandidate(c))),
    );
  }
  const started = performance.now();
  const up = (agent: IceAgent) =>
    firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
  try {
    a.gatherCandidates();
    b.gatherCandidates();
    const connected = await lastValueFrom(merge(up(a), up(b)).pipe(take(2), timeout(WAIT))).catch(
      () => false,
    );
    if (connected === false) {
      const retries = a.getStats().tcp.connectRetries + b.getStats().tcp.connectRetries;
      return { connected: false, retries, ms: Math.round(performance.now() - started) };
    }
    const ms = Math.round(performance.now() - started);
    const received = firstValueFrom(b.data$.pipe(take(100), toArray(), timeout(10_000)));
    for (let i = 0; i < 100; i++) a.send(new Uint8Array([i]));
    const order = (await received).map((d) => d[0]);
    const pair = a.getStats().selectedPair;
    return {
      local: pair?.local.tcpType,
      remote: pair?.remote.tcpType,
      inOrder: order.every((v, i) => v === i) && order.length === 100,
      connections: a.getStats().tcp.connectionsOpened,
      retries: a.getStats().tcp.connectRetries + b.getStats().tcp.connectRetries,
      ms,
    };
  } finally {
    signaling.unsubscribe();
    a.stop();
    b.stop();
  }
}

const out: Record<string, unknown> = {};
try {
  out.transport = await transportLevel();
  if (WAIT > 0) out.agents = await agentLevel();
} catch (e) {
  out.error = e instanceof Error ? e.message : String(e);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
