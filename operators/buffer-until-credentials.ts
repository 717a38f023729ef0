import {
  from,
  type MonoTypeOperatorFunction,
  Observable,
  type ObservableInput,
  type Subscription,
} from 'rxjs';
import { InvalidArgumentError, LimitExceededError } from '../lib/errors.js';

/** Options of {@link bufferUntilCredentials}. */
export interface BufferUntilCredentialsOptions {
  /** Most values held while waiting; default 100 (the agent's default `maxRemoteCandidates`). */
  readonly limit?: number;
  /**
   * What happens to a value that arrives when the buffer is full:
   * `'error'` (default) errors the stream with `LimitExceededError`;
   * `'drop-newest'` drops the arriving value; `'drop-oldest'` drops the
   * oldest buffered one to make room.
   */
  readonly overflow?: 'error' | 'drop-newest' | 'drop-oldest';
}

/**
 * Holds values (typically remote candidates from trickle signaling) until
 * `credentials$` emits its first value, then emits the held values in order
 * and lets later ones straight through. The buffer is bounded, because the
 * other end of signaling is untrusted (see {@link BufferUntilCredentialsOptions}).
 *
 * - If the source completes first, the output completes right after the
 *   buffer is flushed.
 * - If `credentials$` completes without emitting, whatever was buffered can
 *   never be used: it is discarded and the output completes.
 * - An error of either input errors the output.
 *
 * ```
 * candidates$:                    -a-b-----c-|
 * credentials$:                   -----k------
 * bufferUntilCredentials(creds$)  -----(ab)c-|
 * ```
 *
 * @example
 * ```ts
 * import { bufferUntilCredentials, fromSdpCandidate } from 'rx-ice/operators';
 *
 * // A handler that needs the remote ufrag to route candidates.
 * remoteCandidates$
 *   .pipe(bufferUntilCredentials(remoteCredentials$, { limit: 50 }))
 *   .subscribe((c) => sessions.get(currentUfrag)?.addRemoteCandidate(c));
 * ```
 *
 * @param credentials$ the first emission opens the gate (any value; typically `{ ufrag, pwd }`)
 * @param options buffer bound and overflow policy
 * @throws InvalidArgumentError when `limit` is not a positive integer or `overflow` is unknown
 */
export function bufferUntilCredentials<T>(
  credentials$: ObservableInput<unknown>,
  options: BufferUntilCredentialsOptions = {},
): MonoTypeOperatorFunction<T> {
  const { limit = 100, overflow = 'error' } = options;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`bufferUntilCredentials: limit must be a positive integer, got ${limit}`);
  }
  if (overflow !== 'error' && overflow !== 'drop-newest' && overflow !== 'drop-oldest') {
    throw new InvalidArgumentError(`bufferUntilCredentials: unknown overflow policy "${String(overflow)}"`);
  }
  return (source) =>
    new Observable<T>((subscriber) => {
      let buffer: T[] | undefined = [];
      let sourceDone = false;
      let gate: Subscription | undefined;
      const open = (): void => {
        const held = buffer;
        if (held === undefined) return;
        buffer = undefined;
        gate?.unsubscribe(); // undefined when credentials$ emitted synchronously: unsubscribed below
        for (const value of held) subscriber.next(value);
        if (sourceDone) subscriber.complete();
      };
      gate = from(credentials$).subscribe({
        next: open,
        error: (error) => subscriber.error(error),
        complete: () => {
          if (buffer !== undefined) {
            buffer = undefined;
            subscriber.complete();
          }
        },
      });
      if (buffer === undefined) gate.unsubscribe();
      if (subscriber.closed) return;
      subscriber.add(gate);
      subscriber.add(
        source.subscribe({
          next: (value) => {
            if (buffer === undefined) {
              subscriber.next(value);
              return;
            }
            if (buffer.length >= limit) {
              if (overflow === 'drop-newest') return;
              if (overflow === 'drop-oldest') buffer.shift();
              else {
                subscriber.error(
                  new LimitExceededError(
                    `bufferUntilCredentials: more than ${limit} values before credentials`,
                  ),
                );
                return;
              }
            }
            buffer.push(value);
          },
          error: (error) => subscriber.error(error),
          complete: () => {
            sourceDone = true;
            if (buffer === undefined) subscriber.complete();
          },
        }),
      );
    });
}
