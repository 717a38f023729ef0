/**
 * Small node:dgram helpers shared by the UDP transports (`udp.ts`, `udp-mux.ts`).
 * @internal
 * @module
 */
import type { Socket } from 'node:dgram';

/** Asks for `size`-byte receive and send buffers; the OS may refuse or cap them (its default stays). */
export function setBufferSizes(socket: Socket, size: number): void {
  try {
    socket.setRecvBufferSize(size);
  } catch {
    // The OS refused or capped it: keep its default.
  }
  try {
    socket.setSendBufferSize(size);
  } catch {
    // Same.
  }
}

/** Closes `socket`, ignoring that it is closed already. */
export function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}
