import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumPrerequisite, ensureChromium } from './chromium.js';
import { installHint } from './system-packages.js';

test('CHROMIUM_PATH names the browser; otherwise the Debian package chromium, with its install hint', async () => {
  const saved = process.env.CHROMIUM_PATH;
  try {
    process.env.CHROMIUM_PATH = '/opt/some/chrome';
    assert.equal(await ensureChromium(), '/opt/some/chrome');
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
  assert.equal(chromiumPrerequisite.binary, 'chromium');
  assert.equal(chromiumPrerequisite.debianPackage, 'chromium');
  assert.match(installHint(chromiumPrerequisite), /`sudo apt-get install -y chromium`/);
});
