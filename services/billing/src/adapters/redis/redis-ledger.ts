import { deviceKey, type Cluster, type Redis } from '@joinery/store';
import type { IssuedInvoice } from '../../domain/invoice.js';
import type { ChargeRecord, ParkedRecord } from '../../domain/model.js';
import { matchesQuery, sortKey } from '../../domain/order.js';
import type { ChargeLedger } from '../../domain/ports.js';

/** Get-or-allocate in one step: the number of the invoice, or the next of the sequence, stored with it. */
const invoiceNumberScript = `
local n = redis.call('HGET', KEYS[1], ARGV[1])
if n then return tonumber(n) end
n = redis.call('HINCRBY', KEYS[1], '\\0', 1)
redis.call('HSET', KEYS[1], ARGV[1], n)
return n`;

export interface RedisLedgerOptions {
  /** Key prefix; `joinery:billing` unless set (tests isolate themselves with their own). */
  readonly prefix?: string;
}

/**
 * The ledger in Redis. The charge itself is one key per device, `<prefix>:{DEVEUI}:charge`, written with `SET NX`:
 * the one atomic step that makes a second charge impossible, Redis Cluster-legal (one slot). The listing indexes
 * (sorted sets ordered by `sortKey`, all charges and per account) are derived: written after the charge, and
 * written again by every later `recordOnce` of the device, so a crash between the two steps is repaired by the
 * redelivery that follows it.
 */
export function createRedisLedger(redis: Redis | Cluster, options: RedisLedgerOptions = {}): ChargeLedger {
  const prefix = options.prefix ?? 'joinery:billing';
  const chargeKey = (devEui: string) => deviceKey(prefix, devEui, 'charge');
  const allKey = `${prefix}:index:all`;
  const accountKey = (accountId: string) => `${prefix}:index:account:${accountId}`;
  const parkedKey = `${prefix}:parked`;
  // One hash per issuer (one key: Redis Cluster-legal): invoice key → number, plus the sequence in field "\0".
  const invoiceNumbersKey = (issuer: string) => `${prefix}:invoice-numbers:${issuer}`;
  // One key per invoice: its number, date and issuer as first issued (JSON), written with SET NX.
  const invoiceIssueKey = (invoiceKey: string) => `${prefix}:invoice-issue:${invoiceKey}`;
  const member = (c: ChargeRecord) => sortKey(c);
  const devEuiOf = (m: string) => m.slice(m.indexOf(':') + 1);

  const index = async (c: ChargeRecord) => {
    await Promise.all([redis.zadd(allKey, 0, member(c)), redis.zadd(accountKey(c.accountId), 0, member(c))]);
  };
  const get = async (devEui: string): Promise<ChargeRecord | undefined> => {
    const json = await redis.get(chargeKey(devEui));
    return json === null ? undefined : (JSON.parse(json) as ChargeRecord);
  };

  return {
    async recordOnce(charge) {
      // SET … NX GET (Redis ≥ 7.0): one round trip that either stores the charge or returns the one already there.
      const previous = await redis.set(chargeKey(charge.devEui), JSON.stringify(charge), 'NX', 'GET');
      const created = previous === null;
      const stored = created ? charge : (JSON.parse(previous) as ChargeRecord);
      await index(stored);
      return { recorded: created, charge: stored };
    },
    get,
    async list(query) {
      const key = query.accountId === undefined ? allKey : accountKey(query.accountId);
      const lower = Math.max(query.from ?? 0, query.after?.chargedAt ?? 0);
      const min = `[${sortKey({ chargedAt: lower, devEui: '' })}`;
      const max = query.to === undefined ? '+' : `(${sortKey({ chargedAt: query.to, devEui: '' })}`;
      const out: ChargeRecord[] = [];
      const page = Math.max(query.limit + 1, 100);
      for (let offset = 0; ; offset += page) {
        const members = await redis.zrangebylex(key, min, max, 'LIMIT', offset, page);
        const found = await Promise.all(members.map((m) => get(devEuiOf(m))));
        for (const c of found) {
          if (c === undefined || !matchesQuery(c, query)) continue;
          if (out.length === query.limit) return { charges: out, more: true };
          out.push(c);
        }
        if (members.length < page) return { charges: out, more: false };
      }
    },
    async park(record) {
      await redis.rpush(parkedKey, JSON.stringify(record));
    },
    async listParked(limit) {
      return (await redis.lrange(parkedKey, 0, limit - 1)).map((json) => JSON.parse(json) as ParkedRecord);
    },
    async invoiceNumber(issuer, invoiceKey) {
      const n = await redis.eval(invoiceNumberScript, 1, invoiceNumbersKey(issuer), invoiceKey);
      return Number(n);
    },
    async keepInvoiceIssue(invoiceKey, issue) {
      const previous = await redis.set(invoiceIssueKey(invoiceKey), JSON.stringify(issue), 'NX', 'GET');
      return previous === null ? issue : (JSON.parse(previous) as IssuedInvoice);
    },
    async invoiceIssue(invoiceKey) {
      const json = await redis.get(invoiceIssueKey(invoiceKey));
      return json === null ? undefined : (JSON.parse(json) as IssuedInvoice);
    },
    async close() {},
  };
}
