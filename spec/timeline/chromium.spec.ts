/**
 * The timeline page as a browser shows it: headless Chromium parses the page of a known session
 * (its DOM has the rows and marks) and draws it (the screenshot shows the marbles' colours).
 * Without /usr/bin/chromium this skips, saying so; under CI=true it fails instead (.ci/run
 * installs Debian's chromium package).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTimeline } from '../../lib/index.js';
import { findChromium, runChromium } from '../helpers/chromium.js';
import { byClass, findAll, parseMarkup } from '../helpers/markup.js';
import { colourCounts, decodePng } from '../helpers/png.js';
import { tracedSession } from '../helpers/timeline-session.js';

const chromium = findChromium();
const ci = process.env.CI === 'true';
const INSTALL = 'apt-get install -y --no-install-recommends chromium';

describe.runIf(chromium === undefined && ci)('headless Chromium, under CI', () => {
  it('is installed (.ci/run installs it)', () => {
    throw new Error(`CI=true but no Chromium at ${process.env.CHROMIUM || '/usr/bin/chromium'}: ${INSTALL}`);
  });
});

if (chromium === undefined && !ci) {
  console.warn(
    `spec/timeline/chromium.spec.ts skipped: no Chromium at ${process.env.CHROMIUM || '/usr/bin/chromium'} (${INSTALL})`,
  );
}

describe.skipIf(chromium === undefined)(
  `the timeline in headless Chromium (skipped without /usr/bin/chromium: ${INSTALL})`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-ice-timeline-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const { a: trace } = tracedSession();
    const file = join(dir, 'session.html');
    writeFileSync(file, renderTimeline(trace));
    const pairs = new Set(
      trace.flatMap((e) => ('pairId' in e && typeof e.pairId === 'number' ? [e.pairId] : [])),
    );

    it('parses the page into the rows and marks of the session', async () => {
      const dom = parseMarkup(
        await runChromium(chromium as string, ['--dump-dom', pathToFileURL(file).href]),
      );
      const svg = findAll(dom, (n) => n.name === 'svg');
      expect(svg).toHaveLength(1);
      const rows = findAll(svg[0] ?? dom, byClass('row'));
      expect(rows.filter((r) => r.attrs['data-kind'] === 'pair')).toHaveLength(pairs.size);
      expect(rows.map((r) => r.attrs['data-kind'])).toEqual(
        expect.arrayContaining(['gathering', 'connection', 'server']),
      );
      const marks = findAll(svg[0] ?? dom, byClass('ev'));
      expect(marks).toHaveLength(trace.length);
      const count = (type: string) => marks.filter((m) => m.attrs['data-type'] === type).length;
      for (const type of ['check-sent', 'check-answered', 'pair-selected', 'consent-sent', 'server']) {
        expect(count(type), type).toBe(trace.filter((e) => e.type === type).length);
        expect(count(type), type).toBeGreaterThan(0);
      }
    }, 120_000);

    it('draws it: the screenshot is not blank and shows the marbles', async () => {
      const png = join(dir, 'session.png');
      await runChromium(chromium as string, [
        `--screenshot=${png}`,
        '--window-size=1600,640',
        '--force-device-scale-factor=1',
        pathToFileURL(file).href,
      ]);
      const image = decodePng(readFileSync(png));
      expect([image.width, image.height]).toEqual([1600, 640]);
      const colours = colourCounts(image);
      const white = colours.get('#ffffff') ?? 0;
      expect(white / (image.width * image.height)).toBeLessThan(0.95);
      expect(colours.size).toBeGreaterThan(50);
      // Answered checks (filled green), sent checks (blue rings), the selection flag (purple), the
      // completed connection band: each colour is on screen.
      for (const [what, colour] of [
        ['check answered', '#16a34a'],
        ['check sent', '#2563eb'],
        ['pair selected', '#7c3aed'],
        ['completed band', '#86efac'],
      ]) {
        expect(colours.get(colour as string) ?? 0, what).toBeGreaterThan(20);
      }
    }, 120_000);
  },
);
