import { dockerAvailable } from './docker.js';
import { startKafka } from './kafka.js';
import { onSignalStop } from './managed-process.js';
import { startRedis } from './redis.js';
import { startSoftHsm } from './softhsm.js';
import type { StartContext, Started } from './started.js';

export interface InfraOptions {
  /** Progress lines (`redis: redis-server (pid 123) on 127.0.0.1:23456`). Default: silent. */
  log?: (line: string) => void;
  /** Which dependencies to provide; all by default. */
  redis?: boolean;
  kafka?: boolean;
  softhsm?: boolean;
  /** Where given connection variables (REDIS_URL, KAFKA_BROKERS, PKCS11_*) are read from. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The running dependencies: `env` for the test processes, and `stop()` for what was started (idempotent). */
export interface Infra {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts Redis, Kafka and SoftHSM2 in parallel, each from its variables when they are set, else in Docker when an
 * engine answers, else from local binaries (installing the Debian packages when root). If one fails, the others
 * are stopped and the error names what is missing and how to install it.
 */
export async function startInfra(options: InfraOptions = {}): Promise<Infra> {
  const log = options.log ?? (() => undefined);
  let dockerProbe: Promise<boolean> | undefined;
  const ctx: StartContext = {
    log,
    env: options.env ?? process.env,
    docker: () =>
      (dockerProbe ??= dockerAvailable().then((up) => {
        log(up ? 'docker: engine answers; using containers' : 'docker: no engine; using local binaries');
        return up;
      })),
  };
  const wanted: [string, (c: StartContext) => Promise<Started>][] = [];
  if (options.redis !== false) wanted.push(['redis', startRedis]);
  if (options.kafka !== false) wanted.push(['kafka', startKafka]);
  if (options.softhsm !== false) wanted.push(['softhsm2', startSoftHsm]);

  const begun = Date.now();
  const results = await Promise.allSettled(
    wanted.map(async ([name, start]) => {
      const t0 = Date.now();
      const started = await start(ctx);
      log(`${name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return started;
    }),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
  };
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [[wanted[i]?.[0] ?? '?', r.reason] as const] : [],
  );
  if (failures.length > 0) {
    await stopAll();
    const [first] = failures;
    if (failures.length === 1 && first) throw first[1];
    throw new AggregateError(
      failures.map(([, err]) => err),
      failures
        .map(([name, err]) => `${name}: ${err instanceof Error ? err.message : String(err)}`)
        .join('\n'),
    );
  }
  log(`infrastructure ready in ${((Date.now() - begun) / 1000).toFixed(1)} s`);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll().finally(() => unregister()));
  const unregister = onSignalStop(stop);
  return { env: Object.assign({}, ...started.map((s) => s.env)) as Record<string, string>, stop };
}
