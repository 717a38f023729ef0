/**
 * `recordSession`: an agent whose every input is logged as JSON lines, for
 * replaying its session later in a test (`replaySession` in `rx-ice/testing`).
 * No test-only code: usable in production.
 * @module
 */
import { asyncScheduler } from 'rxjs';
import { IceAgent } from '../agent.js';
import type { Candidate } from '../candidate-types.js';
import type { RemoteCredentialsOptions } from '../core/credentials.js';
import { cryptoEntropy, type Entropy } from '../entropy.js';
import type { IceCandidateInit } from '../ice-candidate.js';
import type { IceAgentOptions } from '../options.js';
import { withNodeTcp } from '../transport/tcp.js';
import type { Transport } from '../transport/types.js';
import { UdpTransport } from '../transport/udp.js';
import { observeOutputs } from './agent-outputs.js';
import { RECORDING_VERSION, type RecordedMethod, toHex } from './record-lines.js';
import { recordableOptions } from './record-options.js';
import { Recorder, type RecordingSink } from './recorder.js';
import { RecordingScheduler } from './recording-scheduler.js';
import { RecordingTransport } from './recording-transport.js';

export type { RecordingSink } from './recorder.js';

/**
 * Builds an {@link IceAgent} from `options` that logs every input it gets to
 * `sink`, one JSON line each, with its scheduler time: its options, the API
 * calls and their arguments, timer firings, sockets bound, datagrams received
 * (socket, source, bytes), ICE-TCP listeners, reservations and connections
 * (bytes received, how they ended), STUN/TURN server name lookups, host
 * addresses, random draws (credentials, tie-breaker, transaction ids, consent
 * jitter); and what it does (datagrams sent, bytes written, connections
 * closed, states, candidates, selected pairs, errors), so that `replaySession`
 * (`rx-ice/testing`) can run the same session again in virtual time and check
 * it does the same. Use the returned agent as any other.
 *
 * The log holds secrets (ICE and TURN credentials, the application's data):
 * keep it as private as the session. Throws `InvalidOptionError` for
 * options holding functions (custom nomination policies, mDNS functions). TURN over TCP and TLS is recorded like ICE-TCP (the
 * transport's `connectServerStream`, TLS inside it: the log holds the plain
 * bytes). Server names are looked up with the transport's `lookupHost`
 * (else `dns.lookup`) and the answers logged; the `ipFilter` is applied before the host
 * addresses are logged. mDNS look-ups are the transport's, their answers
 * logged; so are the datagrams its mDNS sockets drop. The scheduler must fire its timers asynchronously (the default
 * one, `FastScheduler` and RxJS's `TestScheduler` do).
 *
 * @throws InvalidOptionError for options a recording cannot capture (above),
 *   InvalidArgumentError for a sink that is none of a function, a stream or an observer
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * const agent = recordSession({ role: 'controlled' }, createWriteStream('session.jsonl'));
 * // ...then, in a test: replaySession(readFileSync('session.jsonl', 'utf8'))
 * ```
 */
export function recordSession(options: IceAgentOptions, sink: RecordingSink): IceAgent {
  const json = recordableOptions(options);
  const recorder = new Recorder(options.scheduler ?? asyncScheduler, sink);
  const entropy: Entropy = options.entropy ?? cryptoEntropy;
  const random = options.random;
  const ipFilter = options.ipFilter ?? ((_a: string, _i: string, internal: boolean) => !internal);
  const tcp = options.tcp === true || options.tcp === 'only';
  const transport: Transport =
    options.transport ?? (tcp ? withNodeTcp(new UdpTransport()) : new UdpTransport());
  const recorded: IceAgentOptions = {
    ...options,
    scheduler: new RecordingScheduler(options.scheduler ?? asyncScheduler, recorder),
    transport: new RecordingTransport(transport, recorder, (h) => ipFilter(h.address, h.iface, h.internal)),
    ipFilter: () => true,
    entropy: (target) => {
      entropy(target);
      recorder.answer({ k: 'draw', hex: toHex(target) });
    },
    random:
      random &&
      (() => {
        const value = random();
        recorder.answer({ k: 'random', value });
        return value;
      }),
  };
  const capabilities = {
    tcp: typeof transport.listenTcp === 'function' && typeof transport.connectTcp === 'function',
    reserveTcpPort: typeof transport.reserveTcpPort === 'function',
    serverStreams: typeof transport.connectServerStream === 'function',
    resolveMdns: typeof transport.resolveMdns === 'function',
    publishMdns: typeof transport.publishMdns === 'function',
  };
  const start = { k: 'start', v: RECORDING_VERSION, options: json, transport: capabilities } as const;
  return recorder.input(start, () => {
    const agent = new IceAgent(recorded);
    observeOutputs(agent, (stream, value) => recorder.output({ k: 'emit', stream, value }));
    return recordingFacade(agent, recorder);
  });
}

/**
 * The agent as the application sees it: the calls that change it are logged
 * as inputs (what they throw, as outputs). A view inheriting from the agent,
 * so the agent's own calls to itself (a restart the peer asked for, a stop
 * when the transport closes) are not mistaken for the application's.
 */
function recordingFacade(agent: IceAgent, recorder: Recorder): IceAgent {
  const call = (method: RecordedMethod, args: readonly unknown[], work: () => void): void => {
    recorder.input({ k: 'call', method, args: JSON.parse(JSON.stringify(args)) }, () => {
      try {
        work();
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        recorder.output({ k: 'threw', method, error: text });
        throw error;
      }
    });
  };
  const calls: Pick<IceAgent, RecordedMethod> = {
    gatherCandidates: () => call('gatherCandidates', [], () => agent.gatherCandidates()),
    setRemoteCredentials: (ufrag: string, pwd: string, remote?: RemoteCredentialsOptions) =>
      call('setRemoteCredentials', remote === undefined ? [ufrag, pwd] : [ufrag, pwd, remote], () =>
        agent.setRemoteCredentials(ufrag, pwd, remote),
      ),
    addRemoteCandidate: (candidate: string | IceCandidateInit | Candidate) =>
      call('addRemoteCandidate', [candidate], () => agent.addRemoteCandidate(candidate)),
    endOfCandidates: () => call('endOfCandidates', [], () => agent.endOfCandidates()),
    send: (data: Uint8Array) =>
      call('send', [data instanceof Uint8Array ? { hex: toHex(data) } : data], () => agent.send(data)),
    restart: () => call('restart', [], () => agent.restart()),
    stop: () => call('stop', [], () => agent.stop()),
  };
  return Object.assign(Object.create(agent) as IceAgent, calls);
}
