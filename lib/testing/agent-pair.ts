import type { SchedulerLike } from 'rxjs';
import { IceAgent } from '../agent.js';
import type { IceAgentOptions } from '../options.js';
import { connectAgents, type SignalingOptions } from './connect.js';
import type { VirtualHost } from './network-types.js';
import { VirtualNetwork } from './virtual-network.js';

/** Options of {@link createAgentPair}. */
export interface AgentPairOptions {
  /** One-way latency between the two hosts, ms; default 10. */
  readonly latency?: number;
  /** Extra options for agent `a` (controlling by default, on 10.0.0.1). */
  readonly a?: Partial<IceAgentOptions>;
  /** Extra options for agent `b` (controlled by default, on 10.0.0.2). */
  readonly b?: Partial<IceAgentOptions>;
  /** Also wire their signaling and start gathering ({@link connectAgents}); default false. */
  readonly connect?: boolean | Omit<SignalingOptions, 'scheduler'>;
}

/** What {@link createAgentPair} made. */
export interface AgentPair {
  /** The network both hosts are on; set link conditions on it (`net.setLink('a', 'b', …)`). */
  readonly net: VirtualNetwork;
  /** Host `a` (10.0.0.1). */
  readonly hostA: VirtualHost;
  /** Host `b` (10.0.0.2). */
  readonly hostB: VirtualHost;
  /** The agent on host `a`: controlling unless `options.a` says otherwise. */
  readonly a: IceAgent;
  /** The agent on host `b`: controlled unless `options.b` says otherwise. */
  readonly b: IceAgent;
}

/**
 * Two agents on a fresh virtual network, in one call: `a` (controlling) on
 * host `a` at 10.0.0.1 and `b` (controlled) on host `b` at 10.0.0.2, `latency`
 * ms apart, every timer on `scheduler`. With `connect`, their signaling is
 * wired and gathering started too. Stop both agents at the end of a test: a
 * connected agent keeps its consent timer armed.
 *
 * @example
 * ```ts
 * testScheduler.run(({ expectObservable }) => {
 *   const { a, b } = createAgentPair(testScheduler, { connect: true });
 *   expectStates({ expectObservable }, a.connectionState$, '(nk) 66ms (cC)', { subscription: '^ 100ms !' });
 *   testScheduler.schedule(() => { a.stop(); b.stop(); }, 1000);
 * });
 * ```
 */
export function createAgentPair(scheduler: SchedulerLike, options: AgentPairOptions = {}): AgentPair {
  const net = new VirtualNetwork({ scheduler, latency: options.latency ?? 10 });
  const hostA = net.createHost('a', { addresses: ['10.0.0.1'] });
  const hostB = net.createHost('b', { addresses: ['10.0.0.2'] });
  const a = new IceAgent({ role: 'controlling', transport: hostA, scheduler, ...options.a });
  const b = new IceAgent({ role: 'controlled', transport: hostB, scheduler, ...options.b });
  if (options.connect) {
    connectAgents(a, b, { scheduler, ...(options.connect === true ? {} : options.connect) });
  }
  return { net, hostA, hostB, a, b };
}
