// The `joinery` CLI as the tests drive it: run in this process with what it prints captured, the device CSV an
// operator imports, and the argv of `ns register`.
import { runCli } from '../cli/run-cli.js';

export interface CapturedCliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the JSON object the command printed. */
  json(): Record<string, unknown>;
}

/** Runs `joinery <argv>` in this process with the environment `env` (no other), capturing stdout and stderr. */
export async function runCapturedCli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<CapturedCliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

/** A device CSV for `joinery admin import`: one LoRaWAN 1.0.3 device per `[devEui, claimCode]`, NwkKey the FIPS-197 test key. */
export function deviceCsv(...devices: readonly (readonly [devEui: string, claimCode: string])[]): string {
  const rows = devices.map(
    ([devEui, claimCode]) => `${devEui},1.0.3,2B7E151628AED2A6ABF7158809CF4F3C,,${claimCode}\n`,
  );
  return `devEui,macVersion,nwkKey,appKey,claimCode\n${rows.join('')}`;
}

/** `ns register --name <name> --net-id <netId> --out <out>`: the options every registration needs. */
export const nsRegisterArgs = (name: string, netId: string, out: string): string[] => [
  'ns',
  'register',
  '--name',
  name,
  '--net-id',
  netId,
  '--out',
  out,
];
