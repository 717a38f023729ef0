/**
 * `rx-ice-timeline [file.jsonl]`: reads a trace as JSON lines (from the file, or standard input
 * when no file or `-` is given) and writes the timeline page to standard output. Its I/O is
 * passed in, so tests run it in-process.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import { IceError } from '../errors.js';
import { replaySession } from '../testing/replay-session.js';
import type { TraceEvent } from '../trace-events.js';
import { renderTimeline } from './render.js';
import { parseTraceJsonLines } from './trace-lines.js';

/** What the command reads and writes. */
export interface TimelineCliIo {
  /** The text of a file. */
  readFile(path: string): Promise<string>;
  /** All of standard input. */
  readStdin(): Promise<string>;
  /** Standard input is a terminal (nothing piped in). */
  readonly stdinIsTty: boolean;
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

/** The command's help. */
export const TIMELINE_USAGE = `Usage: rx-ice-timeline [options] [trace.jsonl] > timeline.html

Draws an rx-ice trace (agent.trace$ recorded as JSON lines, one event per line,
e.g. with traceToJsonLines()) as a self-contained HTML page with an SVG timeline.
A session recording (recordSession()) is drawn too: it is replayed in virtual
time and the replay's trace is drawn.
Reads standard input when no file (or -) is given.

Options:
  --title TEXT        the page's title (default: the file name)
  --break-after MS    cut idle gaps longer than MS from the time axis (default 1000)
  -h, --help          this help

Exit status: 0 done, 1 unreadable or invalid trace (the message names the line), 2 bad usage.
`;

interface Parsed {
  file?: string;
  title?: string;
  breakAfter?: number;
  help?: boolean;
}

function parseArgs(args: readonly string[]): Parsed | string {
  const out: Parsed = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') out.help = true;
    else if (arg === '--title' || arg === '--break-after') {
      const value = args[++i];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--title') out.title = value;
      else {
        const ms = Number(value);
        if (!(ms > 0) || !Number.isFinite(ms))
          return `--break-after needs a positive number of ms, got ${value}`;
        out.breakAfter = ms;
      }
    } else if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
    else if (out.file !== undefined) return `one trace file at most, got ${out.file} and ${arg}`;
    else out.file = arg;
  }
  return out;
}

/** Runs the command with `args` (without node and the script); resolves to the exit status. */
export async function runTimelineCli(args: readonly string[], io: TimelineCliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr(`rx-ice-timeline: ${parsed}\n\n${TIMELINE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(TIMELINE_USAGE);
    return 0;
  }
  const fromStdin = parsed.file === undefined || parsed.file === '-';
  if (fromStdin && io.stdinIsTty) {
    io.stderr(`rx-ice-timeline: no trace file given and nothing piped in\n\n${TIMELINE_USAGE}`);
    return 2;
  }
  const name = fromStdin ? 'standard input' : (parsed.file as string);
  let text: string;
  try {
    text = fromStdin ? await io.readStdin() : await io.readFile(name);
  } catch (error) {
    io.stderr(`rx-ice-timeline: cannot read ${name}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const { events, skipped } = parseTraceJsonLines(isRecording(text) ? traceOfRecording(text) : text);
    for (const [type, n] of skipped)
      io.stderr(`rx-ice-timeline: skipped ${n} line(s) of unknown type ${JSON.stringify(type)}\n`);
    const title = parsed.title ?? (fromStdin ? 'rx-ice timeline' : `rx-ice timeline: ${name}`);
    io.stdout(
      renderTimeline(events, {
        title,
        skipped,
        ...(parsed.breakAfter === undefined ? {} : { breakAfter: parsed.breakAfter }),
      }),
    );
    return 0;
  } catch (error) {
    if (!(error instanceof IceError)) throw error;
    io.stderr(`rx-ice-timeline: ${name}, ${error.message}\n`);
    return 1;
  }
}

/** Whether `text` is a session recording (its first line is a recording's `start` line). */
function isRecording(text: string): boolean {
  const first = text.slice(0, text.indexOf('\n') >>> 0).trim();
  try {
    const line = JSON.parse(first) as { k?: unknown; v?: unknown } | null;
    return line !== null && typeof line === 'object' && line.k === 'start' && typeof line.v === 'number';
  } catch {
    return false;
  }
}

/** Replays a recording in virtual time and returns the replayed agent's trace as JSON lines. */
function traceOfRecording(text: string): string {
  const events: TraceEvent[] = [];
  let tracing: Subscription | undefined;
  const { agent } = replaySession(text, {
    onAgent: (a) => {
      tracing = a.trace$.subscribe((e) => events.push(e));
    },
  });
  tracing?.unsubscribe(); // the recording's end, not the stop() below, ends the picture
  agent.stop();
  return events.map((e) => JSON.stringify(e)).join('\n');
}
