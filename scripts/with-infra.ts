// Runs a command with the real test infrastructure (Redis, Kafka, SoftHSM2) started by libs/testing and its
// variables (REDIS_URL, KAFKA_BROKERS, PKCS11_*, SOFTHSM2_CONF) in the environment; stops it afterwards.
//
//   node --import tsx scripts/with-infra.ts node --import tsx bench/keys/keys.bench.ts
import { spawn } from 'node:child_process';
import { startInfra } from '@joinery/testing/infra';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error('usage: node --import tsx scripts/with-infra.ts <command> [args…]');
  process.exit(2);
}
const infra = await startInfra({ log: (line) => console.error(line) });
let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...infra.env } });
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128)));
    child.once('error', () => resolve(127));
  });
} finally {
  await infra.stop();
}
process.exit(code);
