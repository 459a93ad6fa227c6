// The seed's whole flow in the web console, in a real browser (Debian's Chromium through playwright-core) against
// embedded mode: log in, register a network server and take its credentials, claim one device, a CSV of 50, one from
// a photo of its QR code and one through the camera (Chromium's fake camera playing the label), a simulated network
// server joins them, move one to another network server, unclaim one, see the charges. Every step
// saves a screenshot (test/e2e/output/console-flow/) and passes axe-core with no serious or critical violation.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureConsoleWebBuilt } from '@joinery/console-web';
import {
  batchRow,
  createApiClient,
  simulatedDevice,
  SimulatedNetworkServer,
  startEmbedded,
  type RegisteredNetworkServer,
  type RunningEmbedded,
  type SimulatedDevice,
  loopbackEmbeddedEnv,
} from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';
import type { Page } from 'playwright-core';
import { launchBrowser, outputDir, seriousViolations, type Browser } from './browser.js';
import { writeLabelVideo } from './fake-camera.js';
import { repoRoot } from '../stack/service-processes.js';

const joinEui = '70B3D57ED00C0DE0';
const shots = outputDir('console-flow');
const logs = captureLogs({ level: 'warn' });

describe('the web console plays the seed flow in a browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-console-flow-'));
  let running: RunningEmbedded;
  let browser: Browser;
  let page: Page;
  let apiUrl: string;
  let ownerKey: string;
  let invitationToken: string;
  const ownerEmail = 'olivia@acme.example';
  const password = 'a long passphrase for the console';
  let ns: RegisteredNetworkServer;
  let other: RegisteredNetworkServer;
  let shot = 0;
  const single = simulatedDevice('1.0.3');
  const labelled = simulatedDevice('1.0.4');
  const scanned = simulatedDevice('1.1');
  const bulk: SimulatedDevice[] = Array.from({ length: 50 }, (_, i) =>
    simulatedDevice(i % 2 === 0 ? '1.0.4' : '1.1'),
  );

  before(async () => {
    await ensureConsoleWebBuilt();
    running = await startEmbedded(loopbackEmbeddedEnv(dataDir), logs.logger);
    apiUrl = `http://127.0.0.1:${running.apiPort}`;
    // The operator's part, over the API: an owner account and the manufacturer's batch of 51 devices.
    const admin = createApiClient(apiUrl, running.adminToken);
    const account = await admin.request<{ apiKey: string; invitation: { token: string } }>(
      'POST',
      '/api/v1/accounts',
      {
        name: 'Acme',
        owner: { email: ownerEmail },
      },
    );
    ownerKey = account.apiKey;
    invitationToken = account.invitation.token;
    await admin.request('POST', '/api/v1/device-batches', {
      joinEui,
      devices: [single, labelled, scanned, ...bulk].map(batchRow),
    });
    // The camera sees the label of one more device.
    const camera = join(dataDir, 'camera.y4m');
    writeLabelVideo(await labelPng(scanned), camera);
    browser = await launchBrowser({ baseUrl: apiUrl, camera });
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A screenshot of the step, and no serious accessibility violation on the page it ends on. */
  async function checkpoint(name: string): Promise<void> {
    shot += 1;
    await page.screenshot({
      path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
    assert.deepEqual(browser.errors.splice(0), [], `${name}: errors in the page`);
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
  }

  /** One step of the flow; when it fails, the page as it was is saved as `failed-<n>.png` beside the others. */
  function step(name: string, body: () => Promise<void>): void {
    test(name, async () => {
      try {
        await body();
      } catch (err) {
        await page
          ?.screenshot({
            path: join(shots, `failed-${String(shot + 1).padStart(2, '0')}.png`),
            fullPage: true,
          })
          .catch(() => undefined);
        throw err;
      }
    });
  }

  /** A link of the main navigation. */
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  /** The form field labelled `label` (a required field's label ends with its asterisk). */
  const field = (label: string) =>
    page.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`));

  async function chooseOption(label: string, option: string): Promise<void> {
    await page.getByRole('combobox', { name: label }).click();
    await page.getByRole('option', { name: option }).click();
  }

  step(
    'the invited owner accepts the invitation with a password and lands on the empty devices page',
    async () => {
      await page.goto(`/#/invite/${invitationToken}`);
      await page.getByRole('heading', { name: 'Join an account on Joinery' }).waitFor();
      await field('Your name').fill('Olivia Owner');
      await field('Password').fill(password);
      await checkpoint('accept-invitation');
      await page.getByRole('button', { name: 'Accept the invitation' }).click();
      await page.getByRole('heading', { name: 'Devices' }).waitFor();
      assert.equal(await page.getByTestId('who').textContent(), ownerEmail);
      await page.getByText('No devices yet').waitFor();
      await checkpoint('devices-empty');
    },
  );

  step(
    'log out; a wrong password says what to do; the API key works as a fallback; the password with the keyboard only',
    async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Joinery console' }).waitFor();
      await checkpoint('login');
      await field('Email').fill(ownerEmail);
      await field('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('invalid_credentials').waitFor();
      await checkpoint('login-refused');

      await page.getByRole('tab', { name: 'Token' }).click();
      await field('Admin token or API key').fill(ownerKey);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.getByRole('heading', { name: 'Devices' }).waitFor();
      assert.equal(await page.getByTestId('who').textContent(), 'account API key');
      await page.getByRole('button', { name: 'Log out' }).click();

      await page.getByRole('tab', { name: 'Email and password' }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.type(ownerEmail);
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Devices' }).waitFor();
      assert.equal(await page.getByTestId('who').textContent(), ownerEmail);
    },
  );

  step(
    'register a network server with the wizard: the show-once credentials and paste-ready snippets',
    async () => {
      await nav('Network servers').click();
      await page.getByText('No network server yet').waitFor();
      await checkpoint('network-servers-empty');
      await page.getByRole('link', { name: 'Register your first network server' }).click();
      await field('Name').fill('ns-one');
      await field('NetID').fill('000013');
      await field('JoinEUI prefixes of your devices').fill(`${joinEui}/64`);
      await checkpoint('register-ns-step1');
      await page.getByRole('button', { name: 'Next' }).click();
      const answer = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/network-servers') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Register' }).click();
      const res = await answer;
      assert.equal(res.status(), 201);
      ns = (await res.json()) as RegisteredNetworkServer;
      await page.getByText('Joinery keeps no copy of these secrets', { exact: false }).waitFor();
      // What the NS operator copies is on the page: the KEK, the bearer token, the client key.
      for (const secret of [
        ns.kek.key,
        ns.bearerToken,
        ns.credentials.clientKeyPem.trim().split('\n')[1] ?? '',
      ])
        assert.ok((await page.getByText(secret, { exact: false }).count()) > 0, 'a credential is not shown');
      // The bundle: one zip, downloadable once, with the certificates and the products' configuration.
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download the bundle (.zip)' }).click();
      const zip = readFileSync((await (await download).path()) ?? '');
      assert.equal(zip.subarray(0, 4).toString('hex'), '504b0304', 'not a zip archive');
      for (const name of [
        'client-key.pem',
        'chirpstack/joinery.toml',
        'the-things-stack/interop/joinery/js.yml',
      ])
        assert.ok(zip.includes(Buffer.from(name)), `${name} is not in the bundle`);
      await page.getByRole('button', { name: 'Bundle downloaded' }).waitFor();
      await page.getByRole('tab', { name: 'ChirpStack v4' }).click();
      await page
        .getByRole('tabpanel', { name: 'ChirpStack v4' })
        .getByText(`kek="${ns.kek.key.toLowerCase()}"`, { exact: false })
        .waitFor();
      await checkpoint('register-ns-credentials');
      await page.getByRole('link', { name: 'Done: I have saved the credentials' }).click();
      await page.getByRole('cell', { name: 'ns-one' }).waitFor();
      await checkpoint('network-servers');
    },
  );

  step('claim one device with its DevEUI and claim code; a wrong code is explained', async () => {
    await nav('Claim devices').click();
    await field('DevEUI').fill(single.devEui);
    await field('Claim code').fill('WRONG-CODE');
    await chooseOption('Network server', 'ns-one (NetID 000013)');
    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.getByRole('alert').getByText('wrong_claim_code').waitFor();
    await checkpoint('claim-wrong-code');
    await field('Claim code').fill(single.claimCode);
    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.getByRole('heading', { name: `Device ${single.devEui}` }).waitFor();
    await page.getByTestId('device-ns').getByText('ns-one', { exact: true }).waitFor();
    await checkpoint('device-claimed');
  });

  step('claim a CSV of 50 devices, with a result per row', async () => {
    await nav('Claim devices').click();
    await page.getByRole('tab', { name: 'CSV file' }).click();
    const csv = ['devEui,claimCode', ...bulk.map((d) => `${d.devEui},${d.claimCode}`)].join('\n');
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('csv-summary').getByText('devices.csv: 50 devices').waitFor();
    await chooseOption('Network server', 'ns-one (NetID 000013)');
    await page.getByRole('button', { name: 'Claim 50 devices' }).click();
    await page.getByTestId('bulk-summary').getByText('50 claimed, 0 failed').waitFor({ timeout: 60_000 });
    assert.equal(
      await page.getByRole('table', { name: 'Claim results' }).getByText('claimed', { exact: true }).count(),
      50,
    );
    await checkpoint('bulk-claimed');
    await nav('Devices').click();
    await page.getByRole('table', { name: 'Devices' }).waitFor();
    await checkpoint('devices');
  });

  /** The manufacturer's label: the device's QR code with its claim code, as the API draws it. */
  async function labelPng(device: SimulatedDevice): Promise<Buffer> {
    const res = await fetch(
      `${apiUrl}/api/v1/devices/${device.devEui}/qr.png?claimCode=${device.claimCode}`,
      {
        headers: { authorization: `Bearer ${running.adminToken}` },
      },
    );
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  }

  step('claim a device from a photo of its TR005 QR code', async () => {
    const png = await labelPng(labelled);
    await nav('Claim devices').click();
    await page.getByRole('tab', { name: 'QR code' }).click();
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: png });
    await page.getByText(`DevEUI ${labelled.devEui}`, { exact: false }).waitFor();
    await page.getByText('claim code included', { exact: false }).waitFor();
    await chooseOption('Network server', 'ns-one (NetID 000013)');
    await checkpoint('claim-qr');
    await page.getByRole('button', { name: 'Claim from the QR code' }).click();
    await page.getByRole('heading', { name: `Device ${labelled.devEui}` }).waitFor();
    await page.getByTestId('device-ns').getByText('ns-one', { exact: true }).waitFor();
  });

  step('claim a device by holding its label up to the camera', async () => {
    await nav('Claim devices').click();
    await page.getByRole('tab', { name: 'QR code' }).click();
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    // The page reads the frames until it finds the code, fills in what it read and closes the camera.
    await page.getByText(`DevEUI ${scanned.devEui}`, { exact: false }).waitFor();
    await page.getByText('claim code included', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Scan with the camera' }).waitFor();
    assert.equal(
      await page.getByLabel('Camera preview').isHidden(),
      true,
      'the camera preview is still shown',
    );
    await chooseOption('Network server', 'ns-one (NetID 000013)');
    await checkpoint('claim-camera');
    await page.getByRole('button', { name: 'Claim from the QR code' }).click();
    await page.getByRole('heading', { name: `Device ${scanned.devEui}` }).waitFor();
    await page.getByTestId('device-ns').getByText('ns-one', { exact: true }).waitFor();
  });

  step(
    'a simulated network server joins the devices; the device page shows the join live, without a reload',
    async () => {
      await page.goto(`/#/devices/${single.devEui}`);
      await page.getByTestId('activity-state').getByText('live', { exact: true }).waitFor();
      assert.equal(await page.getByText('Join accepted', { exact: false }).count(), 0);
      const client = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), ns);
      try {
        const first = await client.join(single, joinEui);
        assert.equal(first.ok, true, first.resultCode);
        await page.getByTestId('activity').getByText('Join accepted · Success', { exact: false }).waitFor();
        await page.getByTestId('join-count').getByText('1', { exact: true }).waitFor();
        await checkpoint('device-joined-live');
        for (const d of bulk) {
          const outcome = await client.join(d, joinEui);
          assert.equal(outcome.ok, true, `${d.devEui}: ${outcome.resultCode}`);
        }
      } finally {
        client.close();
      }
    },
  );

  step('move the device to another network server; the old one is refused', async () => {
    const owner = createApiClient(apiUrl, ownerKey);
    other = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
      name: 'ns-two',
      netId: '000014',
    });
    await page.reload();
    await chooseOption('Move to network server', 'ns-two');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByTestId('device-ns').getByText('ns-two', { exact: true }).waitFor();
    await checkpoint('device-moved');
    const oldNs = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), ns);
    const newNs = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), other);
    try {
      assert.equal((await oldNs.join(single, joinEui)).ok, false);
      assert.equal((await newNs.join(single, joinEui)).ok, true);
    } finally {
      oldNs.close();
      newNs.close();
    }
  });

  step('reset the DevNonce state with a reason; rotate and revoke a network server', async () => {
    await page.goto(`/#/devices/${single.devEui}`);
    await page.getByRole('button', { name: 'Reset DevNonce…' }).click();
    await field('Reason').fill('battery swapped, counter lost');
    await checkpoint('devnonce-reset');
    await page.getByRole('dialog').getByRole('button', { name: 'Reset DevNonce' }).click();
    await page
      .getByRole('table', { name: 'DevNonce resets' })
      .getByText('battery swapped, counter lost')
      .waitFor();

    await nav('Network servers').click();
    const row = page.getByRole('row').filter({ hasText: 'ns-two' });
    await row.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await page
      .getByRole('dialog', { name: 'New credentials of ns-two' })
      .getByText('The old credentials keep working until', { exact: false })
      .waitFor();
    await checkpoint('network-server-rotated');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    // Revoked: refused over the Backend Interfaces from now on.
    const revoked = new SimulatedNetworkServer(new URL(`https://127.0.0.1:${running.biPort}/`), other);
    try {
      assert.equal((await revoked.join(single, joinEui)).ok, false);
    } finally {
      revoked.close();
    }
  });

  step('unclaim a device from its page', async () => {
    const device = bulk[0];
    assert.ok(device !== undefined);
    await page.goto(`/#/devices/${device.devEui}`);
    await page.getByRole('button', { name: 'Unclaim' }).click();
    await page.getByRole('dialog', { name: 'Unclaim this device?' }).waitFor();
    await checkpoint('unclaim-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Unclaim' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    const after = await createApiClient(apiUrl, running.adminToken).request<{ claimed: boolean }>(
      'GET',
      `/api/v1/devices/${device.devEui}`,
    );
    assert.equal(after.claimed, false);
  });

  step('the charges: one per device that joined, 51 in all', async () => {
    await nav('Billing').click();
    const total = page.getByTestId('charges-total');
    for (let i = 0; ; i++) {
      if ((await total.count()) > 0 && /^51 devices charged/.test((await total.textContent()) ?? '')) break;
      assert.ok(i < 40, `charges: ${(await total.textContent().catch(() => null)) ?? 'none'}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.reload();
      await page.getByRole('heading', { name: 'Billing' }).waitFor();
    }
    assert.match((await total.textContent()) ?? '', /\$10\.20 in total/);
    await checkpoint('billing');
    // This month's invoice, as CSV and as PDF.
    const csv = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const lines = readFileSync((await (await csv).path()) ?? '', 'utf8')
      .trim()
      .split('\n');
    for (const d of [single, ...bulk])
      assert.ok(
        lines.some((line) => line.includes(d.devEui)),
        `${d.devEui} not invoiced`,
      );
    const pdf = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download PDF' }).click();
    assert.equal(
      readFileSync((await (await pdf).path()) ?? '')
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
  });

  step('at phone width the navigation folds into a menu and the devices table scrolls', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto('/#/devices');
      await page.getByRole('table', { name: 'Devices' }).waitFor();
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav('Network servers').waitFor();
      await checkpoint('phone-menu');
      await nav('Network servers').click();
      // The devices table names the NS too: look for its cell only in the network servers' table.
      await page
        .getByRole('table', { name: 'Network servers' })
        .getByRole('cell', { name: 'ns-one' })
        .waitFor();
      await checkpoint('phone-network-servers');
    } finally {
      // The next steps run at desktop width, even after a failure here.
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  step('invited into a second account, the owner switches between the two', async () => {
    const admin = createApiClient(apiUrl, running.adminToken);
    const beta = await admin.request<{ invitation: { token: string } }>('POST', '/api/v1/accounts', {
      name: 'Beta',
      owner: { email: ownerEmail },
    });
    await page.goto(`/#/invite/${beta.invitation.token}`);
    await field('Password').fill(password);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await chooseOption('Account', 'Beta (admin)');
    await page.getByText('No devices yet').waitFor();
    await checkpoint('account-switched');
    await chooseOption('Account', 'Acme (admin)');
    await page.getByRole('table', { name: 'Devices' }).waitFor();
  });

  step(
    'the other pages: team, API keys, audit log, application servers; then the operator pages',
    async () => {
      await page.goto('/#/team');
      await page.getByRole('cell', { name: ownerEmail }).waitFor();
      await checkpoint('team');
      await nav('API keys').click();
      await field('Name').fill('ci');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByText('Copy the key now: it is shown once.').waitFor();
      await checkpoint('api-keys');
      // Revoked from its row: the list reloads with the key marked, and its button gone.
      const keyRow = page
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: 'ci', exact: true }) });
      await keyRow.getByRole('button', { name: 'Revoke' }).click();
      await keyRow.getByText('revoked', { exact: true }).waitFor();
      assert.equal(await keyRow.getByRole('button', { name: 'Revoke' }).count(), 0);
      await nav('Audit log').click();
      await field('Action').fill('device.claimed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('table', { name: 'Audit log' }).getByText('device.claimed').first().waitFor();
      await checkpoint('audit');
      await nav('Application servers').click();
      await page.getByText('No application server yet').waitFor();
      await checkpoint('application-servers-empty');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('tab', { name: 'Token' }).click();
      await field('Admin token or API key').fill(running.adminToken);
      await page.getByRole('button', { name: 'Use token' }).click();
      await nav('Accounts').click();
      await page.getByRole('heading', { name: 'Accounts' }).waitFor();
      await page.getByRole('cell', { name: 'Acme' }).waitFor();
      await checkpoint('operator-accounts');
      await nav('Device batches').click();
      await page.getByText('Import a manufacturer batch').waitFor();
      await field('JoinEUI').fill('70B3D57ED0000000');
      await page
        .locator('input[type=file]')
        .setInputFiles(join(repoRoot, 'services/joinery/examples/devices.csv'));
      await page.getByText('devices.csv', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('status').getByText('Imported 3 devices', { exact: false }).waitFor();
      await checkpoint('operator-import');
      await nav('System health').click();
      const components = page.getByRole('table', { name: 'Components' });
      for (const name of ['console', 'claims', 'billing', 'store', 'keys', 'bus'])
        await components.locator(`tr[data-component="${name}"]`).getByText('ok', { exact: true }).waitFor();
      await components.getByText('Keys service (key custody)', { exact: true }).waitFor();
      await checkpoint('operator-health');
    },
  );
});
