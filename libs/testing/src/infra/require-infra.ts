import { infraErrors } from './errors.js';

/** The environment variables `startInfra()` provides and `npm test` passes to every test process. */
export const infraVars = [
  'REDIS_URL',
  'KAFKA_BROKERS',
  'PKCS11_MODULE',
  'PKCS11_SLOT',
  'PKCS11_PIN',
  'PKCS11_TOKEN_LABEL',
  'SOFTHSM2_CONF',
] as const;
export type InfraVar = (typeof infraVars)[number];

/**
 * Reads the named infrastructure variables for an integration test, or throws `testing:infra_missing` naming every
 * one that is missing. Run the test through `npm test` (which starts Redis, Kafka and SoftHSM2) or set them yourself.
 */
export function requireInfra<K extends InfraVar>(...names: K[]): Record<K, string> {
  return requireInfraFrom(process.env, ...names);
}

export function requireInfraFrom<K extends InfraVar>(
  env: Readonly<Record<string, string | undefined>>,
  ...names: K[]
): Record<K, string> {
  const out = {} as Record<K, string>;
  const missing: K[] = [];
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '') missing.push(name);
    else out[name] = value;
  }
  if (missing.length > 0) {
    throw infraErrors.infra_missing(
      { missing: missing.join(',') },
      `missing ${missing.join(', ')}: integration tests get these from \`npm test\`, which starts Redis, Kafka and ` +
        `SoftHSM2 itself (e.g. \`npm test -- ${guessPath()}\`); to use your own, set them in the environment`,
    );
  }
  return out;
}

function guessPath(): string {
  const file = process.argv.find((a) => a.endsWith('.int.test.ts'));
  if (file === undefined) return 'libs/<project>';
  const at = file.search(/(libs|services|test)\//);
  return at >= 0 ? file.slice(at) : file;
}
