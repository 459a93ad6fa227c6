import { ensureExecutable, type Prerequisite } from './system-packages.js';

/** Debian's Chromium, which the browser tests drive through playwright-core (no browser download of Playwright's own). */
export const chromiumPrerequisite: Prerequisite = {
  purpose: 'the browser tests',
  binary: 'chromium',
  debianPackage: 'chromium',
  otherwise: 'set CHROMIUM_PATH to a Chromium or Chrome executable',
};

/**
 * The Chromium executable for the browser tests: `CHROMIUM_PATH` when set, else `chromium` on PATH, installing the
 * Debian package `chromium` first when it is missing and we are root (as Redis and SoftHSM2 are).
 */
export async function ensureChromium(log: (line: string) => void = () => undefined): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') return configured;
  return ensureExecutable(chromiumPrerequisite, log);
}
