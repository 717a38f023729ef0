/**
 * The replay's side of a recording: the lines still to be answered, the
 * virtual clock (the time of the line being replayed), the timers the
 * replayed agent set, numbered as the recording numbered them, and the
 * outputs it produces.
 * @module
 */
import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';
import { ReplayDivergenceError } from '../errors.js';
import type { AnswerLine, OutputLine, RecordLine } from '../record/record-lines.js';
import type { NumberedLine } from '../record/record-parse.js';
import type { Untimed } from '../record/recorder.js';

/** The state of one replay: clock, answers, timers, outputs, and the first divergence. */
export class ReplayClock implements SchedulerLike {
  /** Virtual time: the time of the line being replayed. */
  time: number;
  /** The recording line being replayed (for errors). */
  line = 1;
  /** The first time the agent asked for what the recording does not hold. */
  divergence: ReplayDivergenceError | undefined;
  /** What the replayed agent did, as recording lines. */
  readonly outputs: OutputLine[] = [];
  private readonly answers = new Map<string, NumberedLine[]>();
  private readonly timers = new Map<number, ReplayAction<unknown>>();
  private nextTimer = 0;

  /**
   * @param start the recording's start time
   * @param answers the recording's answer lines, in order
   */
  constructor(start: number, answers: readonly NumberedLine[]) {
    this.time = start;
    for (const answer of answers) {
      const queue = this.answers.get(answer.record.k) ?? [];
      queue.push(answer);
      this.answers.set(answer.record.k, queue);
    }
  }

  /** Whether the recording holds answers of kind `k` at all. */
  has(k: AnswerLine['k']): boolean {
    return this.answers.has(k);
  }

  /** The next answer of kind `k`, or undefined (a divergence, noted) when none is left. */
  take<K extends AnswerLine['k']>(k: K, what: string): Extract<RecordLine, { k: K }> | undefined {
    const next = this.answers.get(k)?.shift();
    if (next === undefined) this.diverge(`the agent asked for ${what}; the recording has no more ${k} lines`);
    return next?.record as Extract<RecordLine, { k: K }> | undefined;
  }

  /** The next answer of kind `k`, left in place (undefined when none is left). */
  peek<K extends AnswerLine['k']>(k: K): Extract<RecordLine, { k: K }> | undefined {
    return this.answers.get(k)?.[0]?.record as Extract<RecordLine, { k: K }> | undefined;
  }

  /** Notes the first divergence (the replay stops after the current line). */
  diverge(message: string): void {
    this.divergence ??= new ReplayDivergenceError(this.line, message);
  }

  /** Records one output at the current time, in its JSON form. */
  output(line: Untimed<OutputLine>): void {
    const { k, ...rest } = line;
    this.outputs.push(JSON.parse(JSON.stringify({ k, t: this.time, ...rest })));
  }

  /** The virtual time. */
  now(): number {
    return this.time;
  }

  /** Sets timer number n (the n-th `schedule()` call); it fires only when the recording says so. */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ReplayAction<T>(this, work).schedule(state, delay);
  }

  /** Fires timer `id`; false when no such timer is pending. */
  fire(id: number): boolean {
    const action = this.timers.get(id);
    if (action === undefined) return false;
    this.timers.delete(id);
    action.run();
    return true;
  }

  /** @internal */
  arm(action: ReplayAction<unknown>, previous: number | undefined): number {
    if (previous !== undefined) this.timers.delete(previous);
    const id = this.nextTimer++;
    this.timers.set(id, action);
    return id;
  }

  /** @internal */
  disarm(id: number | undefined): void {
    if (id !== undefined) this.timers.delete(id);
  }
}

/** A timer of the replayed agent: pending under its number until the recording fires it. */
class ReplayAction<T> extends Subscription implements SchedulerAction<T> {
  private id: number | undefined;
  private state: T | undefined;

  constructor(
    private readonly clock: ReplayClock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, _delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.id = this.clock.arm(this as ReplayAction<unknown>, this.id);
    return this;
  }

  run(): void {
    this.id = undefined;
    this.work.call(this, this.state);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.clock.disarm(this.id);
    this.id = undefined;
    super.unsubscribe();
  }
}
