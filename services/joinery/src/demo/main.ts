// `npm run demo`: embedded mode in a temporary directory (or, with --api-url, any running Joinery), then the demo.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@joinery/logging';
import { createApiClient } from '../cli/api-client.js';
import { startEmbedded } from '../embedded.js';
import { demoProblems, runDemo } from './run-demo.js';

const { values } = parseArgs({
  options: {
    'api-url': { type: 'string' },
    'bi-url': { type: 'string' },
    'admin-token': { type: 'string' },
    devices: { type: 'string', default: '100' },
    'joins-per-device': { type: 'string', default: '2' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
let stop = async () => {};
let apiUrl = values['api-url'];
let biUrl = values['bi-url'];
let adminToken = values['admin-token'] ?? process.env.JOINERY_ADMIN_TOKEN;
if (apiUrl === undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-demo-'));
  say(`starting Joinery in embedded mode (data in ${dataDir})`);
  const { JOINERY_ADMIN_TOKEN: _ignored, ...env } = process.env;
  const running = await startEmbedded(
    {
      ...env,
      JOINERY_DATA_DIR: dataDir,
      JOINERY_API_HOST: '127.0.0.1',
      JOINERY_API_PORT: '0',
      JOINERY_BI_HOST: '127.0.0.1',
      JOINERY_BI_PORT: '0',
    },
    createLogger({ service: 'joinery', level: process.env.JOINERY_LOG_LEVEL ?? 'warn' }),
  );
  apiUrl = `http://127.0.0.1:${running.apiPort}`;
  biUrl = `https://127.0.0.1:${running.biPort}/`;
  adminToken = running.adminToken;
  stop = async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
if (biUrl === undefined || adminToken === undefined || adminToken === '') {
  say('with --api-url, also give --bi-url and --admin-token (or JOINERY_ADMIN_TOKEN)');
  process.exit(2);
}

let exitCode = 1;
try {
  const report = await runDemo({
    admin: createApiClient(apiUrl, adminToken),
    biUrl: new URL(biUrl),
    devices: Number(values.devices),
    joinsPerDevice: Number(values['joins-per-device']),
    log: (line) => say(`  ${line}`),
  });
  const problems = demoProblems(report);
  say('');
  say(
    `Devices   ${report.devices} (${Object.entries(report.byMacVersion)
      .map(([v, n]) => `${n} × LoRaWAN ${v}`)
      .join(', ')})`,
  );
  say(`Joins     ${report.joins} sent, ${report.accepted} accepted, ${report.failures.length} failures`);
  say(`Activated ${report.activated} devices`);
  say(`Charges   ${report.charges} (${report.chargedTotal}), one per device`);
  say(`Time      ${report.seconds} s`);
  for (const f of report.failures.slice(0, 10))
    say(`  failed: ${f.devEui} ${f.resultCode} ${f.description ?? ''}`);
  say(problems.length === 0 ? 'Demo passed: 0 failures.' : `Demo FAILED: ${problems.join('; ')}`);
  exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await stop();
}
process.exit(exitCode);
