/**
 * `rx-ice/testing`: tools to run ICE sessions deterministically in virtual time.
 */

export { connectAgents, type SignalingOptions } from './connect.js';
export { mulberry32 } from './prng.js';
export type {
  DropReason,
  LinkConditions,
  TraceEvent,
  VirtualHost,
  VirtualHostOptions,
  VirtualHostStats,
  VirtualNetworkOptions,
  VirtualNetworkStats,
  VirtualPacket,
} from './virtual-network.js';
export { VirtualNetwork } from './virtual-network.js';
