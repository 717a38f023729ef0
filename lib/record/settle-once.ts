/**
 * Recording an Observable the agent expects to settle once (a bind, a
 * connect, a lookup): its value or error is logged as an answer when it
 * comes during the subscription, else as a timed input that delivers it.
 * @internal
 * @module
 */
import { Observable } from 'rxjs';
import type { InputLine } from './record-lines.js';
import type { Recorder, Untimed } from './recorder.js';

/**
 * `source` settling once, recorded: `wrap` makes the line and what the
 * subscriber gets from its value, `failed` the line of its error.
 */
export function settleOnce<T, W>(
  recorder: Recorder,
  source: Observable<T>,
  wrap: (inner: T) => [Untimed<InputLine>, W],
  failed: (message: string) => Untimed<InputLine>,
): Observable<W> {
  return new Observable<W>((subscriber) => {
    let subscribing = true;
    const subscription = source.subscribe({
      next: (inner) => {
        const [line, wrapped] = wrap(inner);
        if (subscribing) {
          recorder.answer({ ...line, sync: true } as Untimed<InputLine>);
          subscriber.next(wrapped);
          return;
        }
        // Later (real sockets): one input, the value and the end together.
        recorder.input(line, () => {
          subscriber.next(wrapped);
          subscriber.complete();
        });
      },
      error: (error: unknown) => {
        const line = failed(error instanceof Error ? error.message : String(error));
        if (subscribing) {
          recorder.answer({ ...line, sync: true } as Untimed<InputLine>);
          subscriber.error(error);
        } else {
          recorder.input(line, () => subscriber.error(error));
        }
      },
      complete: () => subscriber.complete(),
    });
    subscribing = false;
    return subscription;
  });
}
