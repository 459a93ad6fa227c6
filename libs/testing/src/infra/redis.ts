import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { spawnManaged } from './managed-process.js';
import { nothingToStop, type StartContext, type Started } from './started.js';
import { ensureExecutable } from './system-packages.js';
import { waitFor } from './wait.js';

export const redisImage = 'redis:7.4-alpine';

/** redis-server arguments for a throw-away test instance: loopback only, no snapshots, AOF off (nothing to keep). */
export function redisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--logfile',
    '',
  ];
}

/** Redis from REDIS_URL, else a container when Docker answers, else a local `redis-server`. */
export async function startRedis(ctx: StartContext): Promise<Started> {
  const given = ctx.env.REDIS_URL;
  if (given) {
    await waitForPing(given, 10_000);
    ctx.log(`redis: using REDIS_URL ${redactUrl(given)}`);
    return { env: { REDIS_URL: given }, stop: nothingToStop };
  }
  if (await ctx.docker()) return startRedisContainer(ctx);
  return startRedisServer(ctx);
}

async function startRedisServer(ctx: StartContext): Promise<Started> {
  const binary = await ensureExecutable(
    {
      purpose: 'Redis',
      binary: 'redis-server',
      debianPackage: 'redis-server',
      otherwise:
        'from https://redis.io/docs/latest/operate/oss_and_stack/install/ (macOS: `brew install redis`)',
    },
    ctx.log,
  );
  const dir = mkdtempSync(join(tmpdir(), 'joinery-redis-'));
  const port = await freePort();
  const server = spawnManaged({
    command: binary,
    args: redisServerArgs(port, dir),
    cwd: dir,
    logFile: join(dir, 'redis.log'),
    tempDir: dir,
    defaultGraceMs: 5_000,
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitForPing(url, 20_000, {
      abort: () => server.exited(),
      diagnostics: () => `redis-server log (tail):\n${server.logTail(20)}`,
    });
  } catch (err) {
    await server.stop(1_000);
    throw err;
  }
  ctx.log(`redis: redis-server (pid ${server.pid}) on 127.0.0.1:${port}`);
  return { env: { REDIS_URL: url }, stop: () => server.stop() };
}

async function startRedisContainer(ctx: StartContext): Promise<Started> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(redisImage)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .withStartupTimeout(60_000)
    .start();
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  await waitForPing(url, 20_000);
  ctx.log(`redis: container ${redisImage} at ${url}`);
  return {
    env: { REDIS_URL: url },
    stop: async () => {
      await container.stop();
    },
  };
}

async function waitForPing(
  url: string,
  timeoutMs: number,
  extra: { abort?: () => string | undefined; diagnostics?: () => string } = {},
): Promise<void> {
  await waitFor(
    async () => {
      const client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 1_000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
      } finally {
        client.disconnect();
      }
    },
    { what: `Redis at ${redactUrl(url)}`, timeoutMs, intervalMs: 100, ...extra },
  );
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable REDIS_URL>';
  }
}
