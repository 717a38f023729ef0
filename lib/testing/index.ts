/**
 * `rx-ice/testing`: tools to run ICE sessions deterministically in virtual time.
 * @packageDocumentation
 * @module rx-ice/testing
 */

export { type AgentPair, type AgentPairOptions, createAgentPair } from './agent-pair.js';
export { connectAgents, type SignalingOptions } from './connect.js';
export { FastScheduler } from './fast-scheduler.js';
export {
  CONNECTION_STATE_MARBLES,
  type ExpectStatesOptions,
  expectGatheringStates,
  expectStates,
  GATHERING_STATE_MARBLES,
  type MarbleHelpers,
  stateLetters,
} from './marbles.js';
export {
  NAT_PRESETS,
  type NatBehavior,
  type NatBehaviors,
  type NatEvent,
  type NatMappingDestination,
  type NatMappingInfo,
  type NatOptions,
  type NatStats,
  type VirtualNat,
} from './nat-types.js';
export { mulberry32, seededEntropy } from './prng.js';
export {
  type ReplayMismatch,
  type ReplayOptions,
  type ReplayResult,
  replaySession,
} from './replay-session.js';
export type { StunServerOptions, StunServerStats, VirtualStunServer } from './stun-server.js';
export type {
  AllocationEndReason,
  TurnAllocationEndEvent,
  TurnAllocationEvent,
  TurnAllocationInfo,
  TurnChannelEvent,
  TurnChannelInfo,
  TurnErrorEvent,
  TurnEventBase,
  TurnPermissionEvent,
  TurnPermissionInfo,
  TurnServerEvent,
  TurnServerOptions,
  TurnServerStats,
  VirtualTurnServer,
} from './turn-server-types.js';
export type {
  DropReason,
  LinkConditions,
  TraceEvent,
  TransportAddress,
  VirtualHost,
  VirtualHostOptions,
  VirtualHostStats,
  VirtualNetworkOptions,
  VirtualNetworkStats,
  VirtualPacket,
} from './virtual-network.js';
export { VirtualNetwork } from './virtual-network.js';
export {
  VirtualTcpEnd,
  VirtualTcpNetwork,
  type VirtualTcpOptions,
  type VirtualTcpStats,
  type VirtualTcpWire,
  type WithTcpOptions,
  withTcp,
} from './virtual-tcp.js';
