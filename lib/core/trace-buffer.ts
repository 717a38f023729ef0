/**
 * The trace records one session produces, held until the agent drains them
 * (it does after every step). Records are made only while `enabled` (the
 * agent sets it while `trace$` has a subscriber): with nobody listening a
 * trace point costs one boolean check. Bounded: past {@link MAX_TRACE_RECORDS}
 * records are counted as lost instead of kept.
 */
import type { TraceRecord } from '../trace-events.js';

/** Records held at most between two drains. */
export const MAX_TRACE_RECORDS = 1024;

/** A bounded queue of trace records, switched on and off by its reader. */
export class TraceBuffer {
  /** Whether trace points record anything; check it before building a record. */
  enabled = false;
  /** Records dropped since the last drain because the buffer was full. */
  lost = 0;
  private readonly records: TraceRecord[] = [];

  /** Keeps `record` (or counts it as lost when full). */
  push(record: TraceRecord): void {
    if (this.records.length >= MAX_TRACE_RECORDS) this.lost++;
    else this.records.push(record);
  }

  /** Hands every record to `sink`, oldest first, then a `trace-lost` record if some were dropped; empties the buffer. */
  drain(sink: (record: TraceRecord) => void): void {
    if (this.records.length === 0 && this.lost === 0) return;
    // Taken out first: a sink that calls back into the agent may drain again.
    const batch = this.records.splice(0);
    const count = this.lost;
    this.lost = 0;
    for (const record of batch) sink(record);
    if (count > 0) sink({ type: 'trace-lost', count });
  }

  /** Forgets what is held (tracing switched off). */
  clear(): void {
    this.records.length = 0;
    this.lost = 0;
  }
}
