/** Benchmark helper: prints the data-path section (datapath.ts) as tables. */
import type { DataPathResult, Ratio, RatioName, SideFigures } from './datapath.js';
import { fmt, median, table } from './report.js';

const SIDE_LABEL = { raw: 'raw dgram', 'rx-ice': 'rx-ice', 'werift-ice': 'werift-ice' } as const;

/** What each ratio compares and which way its target points. */
export const RATIO_ROWS: readonly (readonly [RatioName, string, '>=' | '<='])[] = [
  ['wallVsRaw', 'wall rate, rx-ice / raw dgram', '>='],
  ['wallVsWerift', 'wall rate, rx-ice / werift-ice', '>='],
  ['cpuVsRaw', 'CPU per datagram, rx-ice / raw dgram', '<='],
  ['cpuVsWerift', 'CPU per datagram, rx-ice / werift-ice', '<='],
  ['rttVsRaw', 'median RTT, rx-ice / raw dgram', '<='],
  ['rttVsWerift', 'median RTT, rx-ice / werift-ice', '<='],
];

/** `met (>= 0.90x)`, `missed (<= 1.10x)`, or `no target`. */
export function verdict(r: Ratio | undefined, sense: '>=' | '<='): string {
  if (r?.target === undefined) return 'no target';
  return `${r.met ? 'met' : 'missed'} (${sense} ${fmt(r.target, 2)}x)`;
}

export function printDataPath(r: DataPathResult): void {
  const sideRow = (name: string, f: SideFigures): string[] => [
    name,
    fmt(f.packetsPerSecond),
    fmt(f.megabytesPerSecond, 1),
    `${fmt(f.minPacketsPerSecond)} .. ${fmt(f.maxPacketsPerSecond)}`,
    fmt(f.cpuUsPerDatagram, 2),
    fmt(f.rttUs, 1),
    fmt(f.lossPercent, 3),
    fmt(f.maxLossPercent, 3),
    fmt(f.stalls),
    fmt(f.rttLost),
  ];
  console.log(
    table(
      [
        'side',
        'median dgram/s',
        'MB/s',
        'min .. max dgram/s',
        'CPU us/dgram',
        'RTT us (med)',
        'loss % (med)',
        'loss % (max)',
        'stalls',
        'RTT lost',
      ],
      (['raw', 'rx-ice', 'werift-ice'] as const).flatMap((s) => {
        const f = r.sides[s];
        return f ? [sideRow(SIDE_LABEL[s], f)] : [];
      }),
    ),
  );
  console.log('');
  console.log(
    table(
      ['ratio', 'of medians', 'per round', 'median per round', 'target'],
      RATIO_ROWS.flatMap(([k, label, sense]) => {
        const x = r.ratios[k];
        if (!x) return [];
        return [
          [
            label,
            `${fmt(x.value, 3)}x`,
            x.perRound.map((v) => fmt(v, 2)).join(' '),
            fmt(median(x.perRound), 3),
            verdict(x, sense),
          ],
        ];
      }),
    ),
  );
  const c = r.iceCounters;
  console.log(
    `    CPU target vs raw is the throughput target counted in CPU: 0.9x the rate = 1/0.9 = ${fmt(1 / 0.9, 2)}x the CPU per datagram`,
  );
  console.log(
    `    rx-ice agent counters during the runs: controlled packetsReceived +${fmt(c.packetsReceived)} ` +
      `(data$ counted ${fmt(c.counted)} in the pumps, plus the ping-pongs), droppedDataPackets +${fmt(c.dropped)}, ` +
      `controlling sendErrors +${fmt(c.sendErrors)}`,
  );
  for (const f of r.failures) console.log(`    not measured: ${f}`);
  console.log('');
}
