/**
 * Datagrams from peers arriving through the TURN server: Data indications
 * (RFC 8656 §11.6) and ChannelData (§12.6). Only peers we asked a permission
 * or a channel for get through (the answer may still be on its way); the rest
 * is dropped and counted.
 */
import type { StunMessageView } from '../stun/types.js';
import type { TurnAllocation } from './allocation.js';
import { decodeChannelData } from './channel-data.js';

/**
 * A Data indication: XOR-PEER-ADDRESS and DATA, from a peer we gave (or are
 * giving) a permission. The server installs a permission before it answers
 * CreatePermission (RFC 8656 §10.2), so relayed data may overtake that answer.
 */
export function receiveDataIndication(allocation: TurnAllocation, message: StunMessageView): void {
  const peer = message.xorPeerAddress;
  const permission = peer && allocation.peers.permission(peer.address);
  if (!peer || !message.data || permission === undefined || permission.state === 'failed') {
    allocation.drop(peer && message.data ? 'no-permission' : 'malformed', message.raw.length);
    return;
  }
  received(allocation, peer.address, peer.port, message.data);
}

/** A ChannelData message on a bound channel; its payload is the peer's datagram. */
export function receiveChannelData(allocation: TurnAllocation, bytes: Uint8Array): void {
  const message = decodeChannelData(bytes);
  const peer = message && allocation.peers.peerOfChannel(message.channel);
  if (!message || !peer) {
    allocation.drop(message ? 'unknown-channel' : 'malformed', bytes.length);
    return;
  }
  received(allocation, peer.address, peer.port, message.data);
}

function received(allocation: TurnAllocation, address: string, port: number, data: Uint8Array): void {
  allocation.counters.relayedPacketsReceived++;
  allocation.counters.relayedBytesReceived += data.byteLength;
  allocation.emit({ type: 'data', address, port, data });
}
