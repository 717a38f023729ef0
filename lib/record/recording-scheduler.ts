/**
 * The scheduler a recorded agent runs on: the real one underneath, every
 * timer numbered in the order it is set (each `schedule()` call, a
 * rescheduling included, takes the next number) and its firing logged as a
 * `timer` input, so a replay fires the same timers in the same order at the
 * same times.
 * @module
 */
import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';
import type { Recorder } from './recorder.js';

/** Wraps a scheduler: numbered timers, firings logged, `now()` from the recorder. */
export class RecordingScheduler implements SchedulerLike {
  /** Number of the next timer set. */
  nextId = 0;

  /**
   * @param inner the scheduler that really runs the timers
   * @param recorder where firings are logged
   */
  constructor(
    readonly inner: SchedulerLike,
    readonly recorder: Recorder,
  ) {}

  /** The recorder's time (frozen during an input). */
  now(): number {
    return this.recorder.now();
  }

  /** Sets a numbered timer on the inner scheduler. */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new RecordingAction<T>(this, work).schedule(state, delay);
  }
}

class RecordingAction<T> extends Subscription implements SchedulerAction<T> {
  private pending: Subscription | undefined;

  constructor(
    private readonly scheduler: RecordingScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.pending?.unsubscribe();
    const id = this.scheduler.nextId++;
    const { recorder } = this.scheduler;
    this.pending = this.scheduler.inner.schedule(() => {
      this.pending = undefined;
      recorder.input({ k: 'timer', id }, () => this.work.call(this, state));
    }, delay);
    return this;
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.pending?.unsubscribe();
    this.pending = undefined;
    super.unsubscribe();
  }
}
