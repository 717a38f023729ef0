/**
 * The agent's data path: every datagram a socket receives is demultiplexed
 * here (STUN/TURN server answers, connectivity checks, application data from
 * validated paths), and `send()` puts application data on the selected pair.
 * @internal
 * @module
 */
import { type CandidatePair, isOnPath } from '../core/pair.js';
import type { IceSession } from '../core/session.js';
import { InvalidArgumentError, InvalidStateError } from '../errors.js';
import { decodeStun } from '../stun/message.js';
import { isRequestType, isStunFramed, scannedUsername, scanStun } from '../stun/raw.js';
import { type DropReason, endpoint } from '../trace-events.js';
import type { TcpPacketSocket } from '../transport/tcp-packet-socket.js';
import type { InboundPacket } from '../transport/types.js';
import { type AgentContext, nowOf } from './context.js';
import type { LocalGathering } from './gathering.js';
import type { SessionDriver } from './session-driver.js';

/** Requests pick their session by USERNAME, not by transaction ID. */
const EMPTY_ID = new Uint8Array(12);

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

  /**
   * One datagram from socket `socketId`. A datagram is STUN only if it is one
   * ({@link isStunFramed}: 20-byte header, top two bits zero, length field a
   * multiple of 4 that matches the datagram, magic cookie): everything else,
   * whatever its first byte, is application data, delivered when its path is
   * validated. So `send()` of any byte pattern reaches the peer's `data$`.
   */
  receive(socketId: number, packet: InboundPacket): void {
    const data = packet.data;
    const stun = isStunFramed(data);
    // Answers of STUN/TURN servers (STUN, ChannelData) on a host socket go to their server attempt, by
    // source address; anything else (application data) is never looked up.
    if ((stun || isChannelDataFramed(data)) && this.gathering?.servers?.route(socketId, packet)) return;
    const { counters } = this.context;
    const driver = this.driver;
    if (stun) {
      // Limits and offsets first (no decoding): a 64 KiB message of 16k attributes stops here.
      const scan = scanStun(data);
      if (scan === undefined) {
        counters.malformedPackets++;
        this.traceDrop(socketId, packet, 'malformed');
        return;
      }
      if (isRequestType(scan.type)) {
        // A check: authenticated on its raw bytes before anything else is decoded.
        const username = scannedUsername(data, scan);
        const session = driver.sessionFor(username, true, EMPTY_ID);
        if (
          !session.handleRequestPacket(socketId, packet.address, packet.port, data, scan, nowOf(this.context))
        ) {
          counters.malformedPackets++;
          this.traceDrop(socketId, packet, 'malformed');
        }
        driver.drive();
        return;
      }
      const message = decodeStun(data);
      if (!message) {
        counters.malformedPackets++;
        this.traceDrop(socketId, packet, 'malformed');
        return;
      }
      const session = driver.sessionFor(message.username, message.cls === 'request', message.transactionId);
      const now = nowOf(this.context);
      // An answer to one of our checks: its round-trip time counts once the session accepts it.
      const sentAt = message.cls === 'success' ? driver.roundTrips.sentAt(message.transactionId) : undefined;
      const pair =
        sentAt === undefined ? undefined : pairOnPath(session, socketId, packet.address, packet.port);
      const answered = pair?.counters.responsesReceived ?? 0;
      session.handleStun(socketId, packet.address, packet.port, message, now);
      if (pair !== undefined && sentAt !== undefined && pair.counters.responsesReceived > answered) {
        driver.roundTrips.record(pair, message.transactionId, sentAt, now);
      }
      driver.drive();
      return;
    }
    const pair = this.dataPairFor(socketId, packet.address, packet.port);
    if (pair === undefined) {
      counters.droppedDataPackets++;
      if (this.context.tracer.active) this.traceDrop(socketId, packet, 'unvalidated-source');
      return;
    }
    // Per-pair counters are plain fields on the pair: no lookup beyond the path check above.
    const c = pair.counters;
    c.packetsReceived = (c.packetsReceived ?? 0) + 1;
    c.bytesReceived = (c.bytesReceived ?? 0) + data.byteLength;
    c.lastPacketReceivedAt = nowOf(this.context);
    counters.packetsReceived++;
    counters.bytesReceived += data.byteLength;
    this.context.streams.data.next(data);
  }

  /** Traces a dropped datagram while someone listens (the caller counts it). */
  private traceDrop(socketId: number, packet: InboundPacket, reason: DropReason): void {
    const { tracer, generation } = this.context;
    if (!tracer.active) return;
    const from = endpoint(packet.address, packet.port);
    tracer.emit({ type: 'datagram-dropped', socketId, from, length: packet.data.length, reason }, generation);
  }

  /**
   * One datagram from a connection of ICE-TCP candidate `socket`: as
   * {@link receive}, and the first authenticated STUN message on the
   * connection (a check signed with our password, an authenticated answer to
   * our check) marks it authenticated for the socket's pre-authentication
   * guard. A replayed check does not count.
   */
  receiveTcp(socketId: number, socket: TcpPacketSocket, packet: InboundPacket): void {
    if (socket.isAuthenticated(packet.address, packet.port)) {
      this.receive(socketId, packet);
      return;
    }
    const { session, previous } = this.driver;
    const before = authenticatedMessages(session) + (previous ? authenticatedMessages(previous) : 0);
    this.receive(socketId, packet);
    const after = authenticatedMessages(session) + (previous ? authenticatedMessages(previous) : 0);
    if (after > before) socket.authenticate(packet.address, packet.port);
  }

  /**
   * The validated pair a non-STUN datagram from this path belongs to, or
   * undefined (then it is dropped): the selected pair first, then any pair of
   * either session the peer validated, then the path of the last restart.
   */
  private dataPairFor(socketId: number, address: string, port: number): CandidatePair | undefined {
    const { session, previous, retiredPath } = this.driver;
    const selected = session.selectedPair;
    if (selected !== undefined && isOnPath(selected, socketId, address, port)) return selected;
    if (session.acceptsDataFrom(socketId, address, port)) return pairOnPath(session, socketId, address, port);
    if (previous?.acceptsDataFrom(socketId, address, port))
      return pairOnPath(previous, socketId, address, port);
    if (retiredPath !== undefined && isOnPath(retiredPath, socketId, address, port)) return retiredPath;
    return undefined;
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
    const now = nowOf(this.context);
    carrier.lastDataSentAt = now; // keepalives wait for Tr of silence after this
    const c = pair.counters;
    c.packetsSent = (c.packetsSent ?? 0) + 1;
    c.bytesSent = (c.bytesSent ?? 0) + data.byteLength;
    c.lastPacketSentAt = now;
    this.context.counters.packetsSent++;
    this.context.counters.bytesSent += data.byteLength;
  }
}

/** STUN messages a session took as authentic: checks (answered or in a role conflict) and answers to its checks. */
function authenticatedMessages(session: IceSession): number {
  const c = session.counters;
  return (
    c.requestsReceived +
    c.roleConflicts +
    c.unknownAttributeRequests +
    c.responsesReceived +
    c.consentResponsesReceived
  );
}

/**
 * TURN ChannelData framing (RFC 8656 §12.4): first byte 0x40–0x4F, a 4-byte
 * header and at least the length it announces (UDP may pad to 4 bytes).
 */
export function isChannelDataFramed(data: Uint8Array): boolean {
  const first = data[0];
  if (first === undefined || first < 0x40 || first > 0x4f || data.length < 4) return false;
  return 4 + (((data[2] as number) << 8) | (data[3] as number)) <= data.length;
}

/** The pair of `session` on this path: its selected pair, or the checklist's. */
export function pairOnPath(
  session: IceSession,
  socketId: number,
  address: string,
  port: number,
): CandidatePair | undefined {
  const selected = session.selectedPair;
  if (selected !== undefined && isOnPath(selected, socketId, address, port)) return selected;
  return session.checklist.find(socketId, address, port);
}
