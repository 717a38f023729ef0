/**
 * A virtual-time RxJS scheduler for running many ICE sessions quickly: time
 * only moves when the test says so, and due actions run in (time, order of
 * scheduling) order from a binary heap.
 */
import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';
import { type HeapEntry, TimerHeap } from './timer-heap.js';

/** What an action needs of its scheduler (kept off the public API). */
interface ActionQueue {
  enqueue(action: FastAction<unknown>, delay: number): void;
  dequeue(action: FastAction<unknown>): void;
}

/** One scheduled action of a {@link FastScheduler}; reusable like RxJS's `AsyncAction`. */
class FastAction<T> extends Subscription implements SchedulerAction<T>, HeapEntry {
  time = 0;
  seq = 0;
  heapIndex = -1;
  state: T | undefined;

  constructor(
    private readonly queue: ActionQueue,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.queue.enqueue(this as FastAction<unknown>, delay);
    return this;
  }

  /** Runs the work once (the scheduler dequeued it). */
  run(): void {
    this.work.call(this, this.state);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.queue.dequeue(this as FastAction<unknown>);
    this.state = undefined;
    super.unsubscribe();
  }
}

/**
 * Virtual-time RxJS `SchedulerLike` backed by a binary min-heap keyed by
 * (due time, scheduling order): O(log n) to schedule, run or cancel an
 * action; actions due at the same time run first-scheduled first; a cancelled
 * action leaves the heap at once, so cancelled timers never accumulate.
 *
 * Works with RxJS operators taking a scheduler (`timer`, `interval`, `delay`,
 * `debounceTime`, `timeout`...): like `AsyncAction`, an action may
 * reschedule itself from its work with `this.schedule(state, delay)`
 * (periodic timers), and `schedule()` returns a `Subscription` that cancels it.
 * Time starts at `start` (default 0) and only moves in {@link advanceTo},
 * {@link advanceBy}, {@link flush} and {@link runUntil}.
 *
 * @example
 * ```ts
 * const scheduler = new FastScheduler();
 * const seen: number[] = [];
 * interval(100, scheduler).subscribe((i) => seen.push(i));
 * scheduler.advanceTo(350); // seen = [0, 1, 2]
 * ```
 */
export class FastScheduler implements SchedulerLike {
  readonly #heap = new TimerHeap<FastAction<unknown>>();
  #now: number;
  #seq = 0;
  #executed = 0;
  #peak = 0;

  /** @param start - Virtual time to start at, ms (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The virtual clock, ms. */
  now(): number {
    return this.#now;
  }

  /** Schedules `work` to run `delay` ms from now (negative or NaN delays count as 0). */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new FastAction<T>(this.#queue, work).schedule(state, delay);
  }

  /** Actions waiting to run. */
  get size(): number {
    return this.#heap.size;
  }

  /** Most actions that were ever waiting at once. */
  get peakSize(): number {
    return this.#peak;
  }

  /** Actions run so far. */
  get executed(): number {
    return this.#executed;
  }

  /** Due time of the next action, or undefined when none is queued. */
  nextTime(): number | undefined {
    return this.#heap.peek()?.time;
  }

  readonly #queue: ActionQueue = {
    enqueue: (action, delay) => {
      this.#heap.remove(action);
      action.time = this.#now + (Number.isNaN(delay) ? 0 : Math.max(delay, 0));
      action.seq = this.#seq++;
      this.#heap.push(action);
      if (this.#heap.size > this.#peak) this.#peak = this.#heap.size;
    },
    dequeue: (action) => this.#heap.remove(action),
  };

  /**
   * Runs every action due at or before `time`, in order, moving the clock to
   * each one's due time, then sets the clock to `time` (never backwards).
   * An error thrown by an action propagates; the remaining queue is kept.
   */
  advanceTo(time: number): void {
    for (;;) {
      const next = this.#heap.peek();
      if (next === undefined || next.time > time) break;
      this.#runNext();
    }
    if (time > this.#now) this.#now = time;
  }

  /** {@link advanceTo} `now() + ms`. */
  advanceBy(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /**
   * Runs actions until none is left or the clock would pass `now() + limitMs`
   * (periodic timers never empty the queue). Returns true when it emptied it.
   */
  flush(limitMs = Number.POSITIVE_INFINITY): boolean {
    return this.runUntil(() => false, limitMs) || this.#heap.size === 0;
  }

  /**
   * Runs actions one at a time until `predicate()` is true (checked before
   * each action and once at the end), the queue is empty, or the next action
   * is due after `now() + limitMs`. Returns whether the predicate held.
   * The clock stays at the last action run.
   */
  runUntil(predicate: () => boolean, limitMs = Number.POSITIVE_INFINITY): boolean {
    const end = this.#now + limitMs;
    for (;;) {
      if (predicate()) return true;
      const next = this.#heap.peek();
      if (next === undefined || next.time > end) return false;
      this.#runNext();
    }
  }

  #runNext(): void {
    const action = this.#heap.pop() as FastAction<unknown>;
    if (action.time > this.#now) this.#now = action.time;
    this.#executed++;
    action.run();
  }
}
