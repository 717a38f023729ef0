/**
 * The agent's data path: every datagram a socket receives is demultiplexed
 * here (STUN/TURN server answers, connectivity checks, application data from
 * validated paths), and `send()` puts application data on the selected pair.
 * @internal
 * @module
 */
import { isOnPath } from '../core/pair.js';
import { InvalidArgumentError, InvalidStateError } from '../errors.js';
import { decodeStun } from '../stun/message.js';
import type { InboundPacket } from '../transport/types.js';
import { type AgentContext, nowOf } from './context.js';
import type { LocalGathering } from './gathering.js';
import type { SessionDriver } from './session-driver.js';

/** Largest UDP payload over IPv4 (65535 − 8-byte UDP header − 20-byte IP header). */
export const MAX_DATAGRAM = 65_507;

/** Receives and sends datagrams for the agent. */
export class PacketPath {
  /** Set once the gathering exists (it needs `receive` to bind sockets). */
  gathering: LocalGathering | undefined;

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
  ) {}

  /** One datagram from socket `socketId`. */
  receive(socketId: number, packet: InboundPacket): void {
    const data = packet.data;
    const first = data[0];
    // Answers of STUN/TURN servers (STUN 0–3, ChannelData 64–79) on a host socket go to their server
    // attempt, by source address; other first bytes (application data) are never looked up.
    if (
      first !== undefined &&
      (first < 4 || (first >= 64 && first < 80)) &&
      this.gathering?.servers?.route(socketId, packet)
    ) {
      return;
    }
    const { counters } = this.context;
    const driver = this.driver;
    // RFC 7983: a first byte of 0–3 is STUN; decide before decoding anything.
    if (data.length > 0 && (data[0] as number) < 4) {
      const message = decodeStun(data);
      if (!message) {
        counters.malformedPackets++;
        return;
      }
      const session = driver.sessionFor(message.username, message.cls === 'request', message.transactionId);
      session.handleStun(socketId, packet.address, packet.port, message, nowOf(this.context));
      driver.drive();
      return;
    }
    if (
      driver.session.acceptsDataFrom(socketId, packet.address, packet.port) ||
      driver.previous?.acceptsDataFrom(socketId, packet.address, packet.port) ||
      (driver.retiredPath !== undefined &&
        isOnPath(driver.retiredPath, socketId, packet.address, packet.port))
    ) {
      counters.packetsReceived++;
      counters.bytesReceived += data.byteLength;
      this.context.streams.data.next(data);
    } else {
      counters.droppedDataPackets++;
    }
  }

  /** `IceAgent.send()`. */
  send(data: Uint8Array): void {
    if (this.context.stopped) throw new InvalidStateError('send() after stop()');
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('send() takes a Uint8Array');
    if (data.byteLength > MAX_DATAGRAM) {
      throw new InvalidArgumentError(`datagram of ${data.byteLength} bytes exceeds ${MAX_DATAGRAM}`);
    }
    // Until a restart's new session selects a pair, the previous one carries the data.
    const driver = this.driver;
    const carrier = driver.session.selectedPair ? driver.session : driver.previous;
    const pair = carrier?.selectedPair;
    if (!carrier || !pair)
      throw new InvalidStateError('send() needs a selected pair: wait for connectionState$ "connected"');
    if (!carrier.canSendData()) {
      throw new InvalidStateError(
        `send() refused: ICE ${carrier.state} (${carrier.failureReason ?? 'closed'}); restart() to reconnect`,
      );
    }
    const bound = this.context.sockets.get(pair.local.socketId);
    if (!bound) throw new InvalidStateError('the selected pair lost its socket');
    bound.socket.send(data, pair.remote.port, pair.remote.address);
    carrier.lastDataSentAt = nowOf(this.context); // keepalives wait for Tr of silence after this
    this.context.counters.packetsSent++;
    this.context.counters.bytesSent += data.byteLength;
  }
}
