/**
 * The mDNS side of a replayed transport: each look-up and publication the
 * agent asks for takes the next number, and the recorded answers, ends and
 * dropped datagrams of that number reach it when the replay gets to them.
 * @module
 */
import { Observable, Subject } from 'rxjs';
import type { MdnsInputLine } from '../record/record-mdns-lines.js';
import type { ReplayClock } from './replay-clock.js';

interface Op {
  readonly answers?: Subject<string>;
  readonly onMalformed: (() => void) | undefined;
}

/** Numbered mDNS look-ups and publications of one replay. */
export class ReplayMdns {
  private ops = 0;
  private readonly open = new Map<number, Op>();

  /** @param clock the replay's clock (divergences) */
  constructor(private readonly clock: ReplayClock) {}

  /** The next look-up: emits what the recorded one emitted, when it did. */
  resolve(onMalformed?: () => void): Observable<string> {
    return new Observable<string>((subscriber) => {
      const id = this.ops++;
      const answers = new Subject<string>();
      this.open.set(id, { answers, onMalformed });
      const subscription = answers.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        this.open.delete(id);
      };
    });
  }

  /** The next publication: never emits; its recorded dropped datagrams are counted. */
  publish(onMalformed?: () => void): Observable<never> {
    return new Observable<never>(() => {
      const id = this.ops++;
      this.open.set(id, { onMalformed });
      return () => this.open.delete(id);
    });
  }

  /** A recorded mDNS input. */
  deliver(line: MdnsInputLine): void {
    const op = this.open.get(line.id);
    if (op === undefined) {
      this.clock.diverge(`mDNS operation ${line.id} is not open`);
      return;
    }
    if (line.k === 'mdns-malformed') op.onMalformed?.();
    else if (op.answers === undefined) this.clock.diverge(`mDNS operation ${line.id} is no look-up`);
    else if (line.k === 'mdns-address') op.answers.next(line.address);
    else {
      this.open.delete(line.id);
      op.answers.complete();
    }
  }
}
