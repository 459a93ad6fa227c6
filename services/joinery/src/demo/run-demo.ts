import type { MacVersion } from '@joinery/lorawan';
import type { ApiClient } from '../cli/api-client.js';
import { createApiClient } from '../cli/api-client.js';
import type { RegisteredNetworkServer } from '../cli/ns-bundle.js';
import {
  batchRow,
  simulatedDevice,
  SimulatedNetworkServer,
  type JoinOutcome,
  type SimulatedDevice,
} from '@joinery/testing/simulated-network';

export interface DemoOptions {
  /** A client of the management API with the admin token. */
  readonly admin: ApiClient;
  /** Joinery's Backend Interfaces HTTPS endpoint. */
  readonly biUrl: URL;
  readonly devices?: number;
  /** Joins per device (the fee is charged once whatever the count). */
  readonly joinsPerDevice?: number;
  readonly concurrency?: number;
  /** How long to wait for the charges of the accepted joins to show. */
  readonly chargeWaitMs?: number;
  readonly log?: (line: string) => void;
}

export interface DemoReport {
  readonly devices: number;
  readonly byMacVersion: Readonly<Record<string, number>>;
  readonly joins: number;
  readonly accepted: number;
  readonly failures: readonly {
    readonly devEui: string;
    readonly resultCode: string;
    readonly description?: string;
  }[];
  readonly activated: number;
  readonly charges: number;
  readonly chargedTotal: string;
  readonly seconds: number;
}

const joinEui = '70B3D57ED000DE30';
const macVersions: readonly MacVersion[] = ['1.0.3', '1.0.4', '1.1'];

/**
 * The demo as a real client of the real API: a manufacturer imports a batch, an owner registers two network
 * servers (BI 1.1 like The Things Stack, BI 1.0 like ChirpStack) and claims every device, then the NSs join every
 * device over mTLS, open the join-accepts as the devices and unwrap the keys with their KEKs; finally the charges.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const count = options.devices ?? 100;
  const devices: SimulatedDevice[] = Array.from({ length: count }, (_, i) =>
    simulatedDevice(macVersions[i % macVersions.length] as MacVersion),
  );

  const account = await options.admin.request<{ id: string; apiKey: string }>('POST', '/api/v1/accounts', {
    name: `Demo owner ${new Date().toISOString()}`,
  });
  log(`account ${account.id} created`);
  await options.admin.request('POST', '/api/v1/device-batches', {
    joinEui,
    manufacturer: 'Demo devices',
    devices: devices.map(batchRow),
  });
  log(`${count} devices imported (JoinEUI ${joinEui})`);

  const owner = createApiClient(options.admin.baseUrl, account.apiKey);
  const tag = Date.now().toString(16).slice(-6).toUpperCase();
  const tts = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
    name: 'demo-tts',
    netId: '000013',
    nsId: `00005EEF10${tag}`,
    appSKeyDelivery: 'wrapped',
  });
  const chirpstack = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
    name: 'demo-chirpstack',
    netId: '00000A',
    appSKeyDelivery: 'plaintext',
  });
  log(`network servers registered: ${tts.id} (BI 1.1), ${chirpstack.id} (BI 1.0)`);
  const nss = [
    new SimulatedNetworkServer(options.biUrl, tts),
    new SimulatedNetworkServer(options.biUrl, {
      netId: chirpstack.netId,
      kek: chirpstack.kek,
      credentials: chirpstack.credentials,
    }),
  ];
  const nsOf = (i: number) => nss[i % 2] as SimulatedNetworkServer;
  for (const [i, d] of devices.entries())
    await owner.request('POST', '/api/v1/claims', {
      devEui: d.devEui,
      claimCode: d.claimCode,
      networkServerId: i % 2 === 0 ? tts.id : chirpstack.id,
    });
  log(`${count} devices claimed`);

  const failures: { devEui: string; resultCode: string; description?: string }[] = [];
  let joins = 0;
  let accepted = 0;
  const work = devices.flatMap((d, i) =>
    Array.from({ length: options.joinsPerDevice ?? 1 }, () => ({ d, i })),
  );
  // Joins of one device run in order (their DevNonces must increase); different devices run concurrently.
  const byDevice = new Map<number, { d: SimulatedDevice; i: number }[]>();
  for (const item of work) byDevice.set(item.i, [...(byDevice.get(item.i) ?? []), item]);
  const queues = [...byDevice.values()];
  const worker = async () => {
    for (let queue = queues.shift(); queue !== undefined; queue = queues.shift())
      for (const { d, i } of queue) {
        let outcome: JoinOutcome;
        try {
          outcome = await nsOf(i).join(d, joinEui);
        } catch (err) {
          outcome = { ok: false, resultCode: 'ClientError', description: (err as Error).message };
        }
        joins++;
        if (outcome.ok) accepted++;
        else
          failures.push({
            devEui: d.devEui,
            resultCode: outcome.resultCode,
            ...(outcome.description === undefined ? {} : { description: outcome.description }),
          });
      }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  for (const ns of nss) ns.close();
  log(`${joins} joins sent, ${accepted} accepted`);

  // Charges and activation flags follow the joins through the bus (billing and claims are separate consumers):
  // wait until both show every device, or the deadline.
  const deadline = Date.now() + (options.chargeWaitMs ?? 60_000);
  const mine = new Set(devices.map((d) => d.devEui));
  let charges: { devEui: string; amountMinor: number; currency: string }[] = [];
  let activated = 0;
  for (;;) {
    const listed = await owner.request<{ charges: typeof charges }>('GET', '/api/v1/billing/charges');
    charges = listed.charges.filter((c) => mine.has(c.devEui));
    activated = 0;
    for (const d of devices) {
      const device = await owner.request<{ activated: boolean }>('GET', `/api/v1/devices/${d.devEui}`);
      if (device.activated) activated++;
    }
    if ((charges.length >= count && activated >= count) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const totalMinor = charges.reduce((sum, c) => sum + c.amountMinor, 0);
  const currency = charges[0]?.currency ?? '';
  return {
    devices: count,
    byMacVersion: Object.fromEntries(
      macVersions.map((v) => [v, devices.filter((d) => d.macVersion === v).length]),
    ),
    joins,
    accepted,
    failures,
    activated,
    charges: charges.length,
    chargedTotal: `${(totalMinor / 100).toFixed(2)} ${currency}`.trim(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** Failures of the demo as a list of what went wrong; empty when every join and every charge is right. */
export function demoProblems(report: DemoReport): string[] {
  const problems: string[] = [];
  if (report.failures.length > 0) problems.push(`${report.failures.length} joins failed`);
  if (report.accepted !== report.joins) problems.push(`${report.joins - report.accepted} joins not accepted`);
  if (report.activated !== report.devices)
    problems.push(`${report.devices - report.activated} devices not activated`);
  if (report.charges !== report.devices)
    problems.push(`${report.charges} charges for ${report.devices} devices (want exactly one each)`);
  return problems;
}
