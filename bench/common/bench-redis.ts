import { connectRedis } from '@joinery/store';
import { startInfra, type Infra } from '@joinery/testing/infra';

/** `url` with its database number set to `db` (a bench keeps its data apart from the tests' and other benches'). */
export function redisDbUrl(url: string, db: number): string {
  return `${url.replace(/\/\d*$/, '')}/${db}`;
}

/** A bench's Redis: the one at REDIS_URL, or one started here (stopped by `infra.stop()`). */
export interface BenchRedis {
  /** The server's URL, without a database. */
  readonly baseUrl: string;
  /** The bench's database on it, emptied. */
  readonly url: string;
  readonly infra: Infra | undefined;
}

/** Redis for a bench (REDIS_URL when set, else started through libs/testing), its database `db` emptied. */
export async function benchRedis(db: number, connectionName: string): Promise<BenchRedis> {
  let infra: Infra | undefined;
  let baseUrl = process.env.REDIS_URL;
  if (baseUrl === undefined) {
    infra = await startInfra({ kafka: false, softhsm: false });
    baseUrl = infra.env['REDIS_URL']!;
  }
  const url = redisDbUrl(baseUrl, db);
  const flush = connectRedis(url, { connectionName });
  await flush.flushdb();
  await flush.quit();
  return { baseUrl, url, infra };
}
