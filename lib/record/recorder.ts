/**
 * The heart of a recording: the agent's clock as it sees it (frozen while
 * one input is processed, so every `now()` of that input reads the time
 * logged for it) and the writing of lines to the sink.
 * @module
 */
import type { SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../errors.js';
import type { AnswerLine, InputLine, OutputLine, RecordLine, StartLine } from './record-lines.js';

/**
 * Where a recording goes, one JSON line at a time: a function, a writable
 * stream (`fs.createWriteStream('session.jsonl')`: each line is written with
 * its `\n`), or an RxJS observer such as a `Subject<string>` (lines without `\n`).
 */
export type RecordingSink =
  | ((line: string) => void)
  | {
      /** Takes one line and its `\n` (a writable stream). */
      write(chunk: string): unknown;
    }
  | {
      /** Takes one line (an observer). */
      next(line: string): void;
    };

/** A line without its time: the recorder stamps it. */
export type Untimed<T> = T extends unknown ? Omit<T, 't'> : never;

/** Logs one agent's inputs, answers and outputs with the agent's scheduler time. */
export class Recorder {
  private depth = 0;
  private frozen: number | undefined;
  private readonly writeLine: (json: string) => void;

  /**
   * @param clock the scheduler the agent would have used
   * @param sink where the lines go
   */
  constructor(
    private readonly clock: SchedulerLike,
    sink: RecordingSink,
  ) {
    this.writeLine = toWriter(sink);
  }

  /** The agent's time: the logged time of the input being processed, else the clock's. */
  now(): number {
    return this.frozen ?? this.clock.now();
  }

  /** Whether an input is being processed (what happens now is part of it). */
  get nested(): boolean {
    return this.depth > 0;
  }

  /**
   * Runs `work` as one input: logs `line` stamped with the clock's time, and
   * keeps that time for every `now()` until `work` returns. An input inside
   * another is part of the outer one (its time).
   */
  input<T>(line: Untimed<InputLine | StartLine>, work: () => T): T {
    if (this.depth === 0) this.frozen = this.clock.now();
    this.depth++;
    try {
      this.write(line);
      return work();
    } finally {
      this.depth--;
      if (this.depth === 0) this.frozen = undefined;
    }
  }

  /** Logs what the environment answered to the agent. */
  answer(line: Untimed<AnswerLine | InputLine>): void {
    this.write(line);
  }

  /** Logs something the agent did. */
  output(line: Untimed<OutputLine>): void {
    this.write(line);
  }

  private write(line: Untimed<RecordLine>): void {
    const { k, ...rest } = line;
    this.writeLine(JSON.stringify({ k, t: this.now(), ...rest }));
  }
}

function toWriter(sink: RecordingSink): (json: string) => void {
  if (typeof sink === 'function') return sink;
  if (typeof sink === 'object' && sink !== null) {
    if ('write' in sink && typeof sink.write === 'function') return (json) => sink.write(`${json}\n`);
    if ('next' in sink && typeof sink.next === 'function') return (json) => sink.next(json);
  }
  throw new InvalidArgumentError('a recording sink is a function, a writable stream or an observer');
}
