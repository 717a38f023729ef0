/**
 * The mDNS side of a recorded transport: what the transport's look-ups
 * answer, and the undecodable datagrams its sockets drop, are logged as
 * inputs. A publication gives the agent nothing else: its names come from
 * the agent's (recorded) entropy, and the queries it answers are not the
 * agent's business.
 * @module
 */
import { Observable } from 'rxjs';
import type { MdnsInputLine } from './record-mdns-lines.js';
import type { Recorder, Untimed } from './recorder.js';

/** Numbers the look-ups and publications of one recorded transport. */
export class RecordingMdns {
  private ops = 0;

  /** @param recorder where lines go */
  constructor(private readonly recorder: Recorder) {}

  /** A look-up from `resolve`, logged: each address it emits, its end, its socket's drops. */
  resolve(
    resolve: (onMalformed: () => void) => Observable<string>,
    onMalformed: (() => void) | undefined,
  ): Observable<string> {
    return new Observable<string>((subscriber) => {
      const id = this.ops++;
      const input = (line: Untimed<MdnsInputLine>, work: () => void) => this.recorder.input(line, work);
      return resolve(() => input({ k: 'mdns-malformed', id }, () => onMalformed?.())).subscribe({
        next: (address) => input({ k: 'mdns-address', id, address }, () => subscriber.next(address)),
        error: () => input({ k: 'mdns-end', id }, () => subscriber.complete()),
        complete: () => input({ k: 'mdns-end', id }, () => subscriber.complete()),
      });
    });
  }

  /** A publication from `publish`, logged: its socket's drops. */
  publish(
    publish: (onMalformed: () => void) => Observable<never>,
    onMalformed: (() => void) | undefined,
  ): Observable<never> {
    return new Observable<never>(() => {
      const id = this.ops++;
      // Its end (the socket failed) changes nothing for the agent, and is not passed on: nor is it in a replay.
      return publish(() => this.recorder.input({ k: 'mdns-malformed', id }, () => onMalformed?.())).subscribe(
        {
          error: () => undefined,
        },
      );
    });
  }
}
