// The browser of the console tests: Debian's Chromium (installed by the test set-up like Redis) driven by
// playwright-core, headless, sandbox off (tests run as root), a fresh profile, no background networking; and
// axe-core's accessibility check of whatever page is showing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { ensureChromium } from '@joinery/testing/infra';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Screenshots of the browser tests (git-ignored): test/e2e/output/<suite>/. */
export const outputDir = (suite: string): string => {
  const dir = fileURLToPath(new URL(`../../output/${suite}/`, import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
};

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page and console errors, in order: a console that works has none. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: {
  baseUrl: string;
  log?: (line: string) => void;
  /** A Y4M file (`writeLabelVideo`) the page's camera plays, the camera permission granted. No camera unless set. */
  camera?: string;
}): Promise<Browser> {
  const executablePath = await ensureChromium(options.log);
  const profile = mkdtempSync(join(tmpdir(), 'joinery-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
      ...(options.camera === undefined
        ? []
        : ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${options.camera}`]),
    ],
    ...(options.camera === undefined ? {} : { permissions: ['camera'] }),
    baseURL: options.baseUrl,
    viewport: { width: 1280, height: 860 },
    // The console drops its transitions then: axe-core must not measure colour contrast while a dialog fades in.
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    // An API refusal the page expects (401 before login, 404 of a call this server lacks) is logged by the browser
    // as a failed resource; the page's own handling of it is what the tests check.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(`console error: ${message.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

/** The serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
}
