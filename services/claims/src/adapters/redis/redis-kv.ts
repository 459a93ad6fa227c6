import { randomUUID } from 'node:crypto';
import { defineScript, type RedisScript } from '@joinery/store';
import type { Cluster, Redis } from 'ioredis';
import { rememberedJoinEvents, type JoinEntry, type StoredJoinOutcome } from '../kv/activation.js';
import type { AttemptPolicy, AttemptReservation } from '../../domain/ports.js';
import type { KvBackend } from '../kv/kv-backend.js';

// Compare-and-swap of one key: exactly one of two racing writers that read the same value wins.
const casScript = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= false then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1`;

// One attempt, as decideAttempt in attempts.ts: drop hits older than the window, then refuse (returning the wait in
// ms) over the limit or inside the backoff after the last hit, or add this hit (keeping the key no longer than the
// window) and return how many are counted. ARGV: now, window, limit, free, base delay (ms), member.
const attemptScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local free = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  return { 0, math.max(1, tonumber(oldest[2]) + window - now) }
end
if n > 0 and n >= free then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local nextAt = tonumber(last[2]) + math.min(tonumber(ARGV[5]) * 2 ^ (n - free), window)
  if now < nextAt then return { 0, nextAt - now } end
end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], window)
return { 1, n + 1 }`;

// One join event on a device's activation record, as applyJoin in activation.ts (the same text format). KEYS[1] the
// activation record, KEYS[2] the device (same hash tag); ARGV: event id, ISO 8601 time, how many ids are kept.
// ISO 8601 times of one fixed format compare as text.
const joinScript = `
local act = redis.call('GET', KEYS[1])
if not act then
  local dev = redis.call('GET', KEYS[2])
  if not dev then return 'unknown_device' end
  if string.find(dev, '"joinCount":', 1, true) then return 'legacy' end
  act = '0\\n\\n'
end
local lines = {}
for line in string.gmatch(act, '([^\\n]*)\\n') do lines[#lines + 1] = line end
local count = tonumber(lines[1])
if not count or count < 0 or count % 1 ~= 0 or #lines < 2 then
  -- A text that cannot be read counts as no joins yet, as in parseActivation.
  count = 0
  lines = { '0', '' }
end
for i = 3, #lines do
  if lines[i] == ARGV[1] then return 'duplicate' end
end
local last = lines[2]
if last == '' or ARGV[2] > last then last = ARGV[2] end
local out = { tostring(count + 1), last }
for i = math.max(3, #lines - tonumber(ARGV[3]) + 2), #lines do out[#out + 1] = lines[i] end
out[#out + 1] = ARGV[1]
redis.call('SET', KEYS[1], table.concat(out, '\\n') .. '\\n')
return 'applied'`;

/**
 * KvBackend over Redis (ioredis). Every script touches one key, so it works on Redis Cluster; per-device keys carry
 * the `{DEVEUI}` hash tag. Indexes are sorted sets with score 0 (lexicographic ranges).
 */
export class RedisKv implements KvBackend {
  private hitSeq = 0;
  // EVALSHA: the script text is not sent with every call (a join event's activation update is one CAS).
  private readonly cas: RedisScript<number>;
  private readonly attempt: RedisScript<[number, number]>;
  private readonly join: RedisScript<StoredJoinOutcome>;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'claims:',
    private readonly ownsConnection = false,
  ) {
    this.cas = defineScript<number>(redis, 'joineryClaimsCas', casScript, 1);
    this.attempt = defineScript<[number, number]>(redis, 'joineryClaimsAttempt', attemptScript, 1);
    this.join = defineScript<StoredJoinOutcome>(redis, 'joineryClaimsJoin', joinScript, 2);
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.k(key))) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    // One GET per key rather than MGET, as the keys may live on different cluster slots. Issued together, they go
    // out in one write with whatever else this tick sends (auto-pipelining); an explicit pipeline would be a write
    // of its own.
    const values = await Promise.all(keys.map((key) => this.redis.get(this.k(key))));
    return values.map((value) => value ?? undefined);
  }

  async put(key: string, value: string): Promise<void> {
    await this.redis.set(this.k(key), value);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    const result = await this.cas([this.k(key)], [expected === undefined ? '1' : '0', expected ?? '', next]);
    return result === 1;
  }

  // One command per key, issued together (auto-pipelining batches them per node): the keys may live on different
  // Redis Cluster slots and nodes, which one explicit pipeline cannot span.
  async insertAllIfAbsent(entries: readonly (readonly [string, string])[]): Promise<string | undefined> {
    const results = await Promise.allSettled(
      entries.map(([key, value]) => this.redis.set(this.k(key), value, 'NX')),
    );
    const written: string[] = [];
    let conflict: string | undefined;
    results.forEach((result, i) => {
      const key = entries[i]?.[0];
      if (key === undefined) return;
      if (result.status === 'fulfilled' && result.value === 'OK') written.push(key);
      else conflict ??= key;
    });
    if (conflict !== undefined && written.length > 0)
      await Promise.all(written.map((key) => this.redis.del(this.k(key))));
    return conflict;
  }

  /** Issued together, so the connection's auto-pipelining sends them in one write; Redis runs them in order. */
  async recordJoins(entries: readonly JoinEntry[]): Promise<StoredJoinOutcome[]> {
    return Promise.all(
      entries.map((e) =>
        this.join([this.k(e.activationKey), this.k(e.deviceKey)], [e.eventId, e.time, rememberedJoinEvents]),
      ),
    );
  }

  async indexAdd(index: string, members: readonly string[]): Promise<void> {
    for (let i = 0; i < members.length; i += 1000) {
      const args = members.slice(i, i + 1000).flatMap((m) => [0, m]);
      await this.redis.zadd(this.k(index), ...args);
    }
  }

  async indexRemove(index: string, member: string): Promise<void> {
    await this.redis.zrem(this.k(index), member);
  }

  async indexRange(index: string, after: string | null, limit: number): Promise<string[]> {
    return this.redis.zrangebylex(this.k(index), after === null ? '-' : `(${after}`, '+', 'LIMIT', 0, limit);
  }

  async reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation> {
    this.hitSeq += 1;
    const member = `${nowMs}:${process.pid}:${this.hitSeq}:${randomUUID()}`;
    const [granted, n] = await this.attempt(
      [this.k(key)],
      [nowMs, policy.windowMs, policy.limit, policy.free, policy.baseDelayMs, member],
    );
    return granted === 1 ? { granted: true, count: n, token: member } : { granted: false, retryAfterMs: n };
  }

  async releaseAttempt(key: string, token: string): Promise<void> {
    await this.redis.zrem(this.k(key), token);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}
