import { randomUUID } from 'node:crypto';
import { defineScript, type RedisScript } from '@joinery/store';
import type { Cluster, Redis } from 'ioredis';
import { rememberedJoinEvents, type JoinEntry } from '../kv/activation.js';
import type { AttemptPolicy, AttemptReservation, JoinOutcome } from '../../domain/ports.js';
import type { KvBackend } from '../kv/kv-backend.js';
import type { ListEntry, StoredList } from '../kv/bounded-list.js';

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

// Bounded lists (bounded-list.ts), on the list's key and two keys beside it with the same hash tag: KEYS[1] a Redis
// list of elements `<id>␟<time>␟<value>` newest first, KEYS[2] the set of the ids it holds, KEYS[3] the plain value
// (the old whole-JSON shape). ARGV: '0' (append: refused while a plain value exists) or '1' (convert: only while the
// plain value is ARGV[2], deleted after), ARGV[2], keep, then id, time, element of each entry. An entry newer than
// the head is one LPUSH; a late one (or one of the head's time) goes before the first older entry. The values are
// JSON and hold no raw ␟, so the time is what lies between the first and the last one.
const appendListScript = `
if ARGV[1] == '0' then
  if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
elseif redis.call('GET', KEYS[3]) ~= ARGV[2] then
  return 0
end
local function timeOf(el) return string.match(el, '^[^\\31]*\\31(.*)\\31') end
local keep = tonumber(ARGV[3])
local added = 0
for i = 4, #ARGV, 3 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    added = added + 1
    local time, el = ARGV[i + 1], ARGV[i + 2]
    local head = redis.call('LINDEX', KEYS[1], 0)
    if not head or timeOf(head) < time then
      redis.call('LPUSH', KEYS[1], el)
    else
      local pivot = false
      for _, other in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
        if timeOf(other) < time then pivot = other break end
      end
      if pivot then redis.call('LINSERT', KEYS[1], 'BEFORE', pivot, el) else redis.call('RPUSH', KEYS[1], el) end
    end
  end
end
if added > 0 then
  if keep <= 0 then
    redis.call('DEL', KEYS[1], KEYS[2])
  else
    for _, gone in ipairs(redis.call('LRANGE', KEYS[1], keep, -1)) do
      redis.call('SREM', KEYS[2], string.match(gone, '^[^\\31]*'))
    end
    redis.call('LTRIM', KEYS[1], 0, keep - 1)
  end
end
if ARGV[1] == '1' then redis.call('DEL', KEYS[3]) end
return 1`;

// A list and the plain value beside it (KEYS as appendListScript's), read together.
const readListScript = `
local plain = redis.call('GET', KEYS[3])
return { plain and 1 or 0, plain or '', redis.call('LRANGE', KEYS[1], 0, -1) }`;

/**
 * KvBackend over Redis (ioredis). Every script touches one key, so it works on Redis Cluster; per-device keys carry
 * the `{DEVEUI}` hash tag. Indexes are sorted sets with score 0 (lexicographic ranges).
 */
export class RedisKv implements KvBackend {
  private hitSeq = 0;
  // EVALSHA: the script text is not sent with every call (a join event's activation update is one CAS).
  private readonly cas: RedisScript<number>;
  private readonly attempt: RedisScript<[number, number]>;
  private readonly join: RedisScript<JoinOutcome>;
  private readonly appendList: RedisScript<number>;
  private readonly readListScript: RedisScript<[number, string, string[]]>;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'claims:',
    private readonly ownsConnection = false,
  ) {
    this.cas = defineScript<number>(redis, 'joineryClaimsCas', casScript, 1);
    this.attempt = defineScript<[number, number]>(redis, 'joineryClaimsAttempt', attemptScript, 1);
    this.join = defineScript<JoinOutcome>(redis, 'joineryClaimsJoin', joinScript, 2);
    this.appendList = defineScript<number>(redis, 'joineryClaimsListAppend', appendListScript, 3);
    this.readListScript = defineScript<[number, string, string[]]>(
      redis,
      'joineryClaimsListRead',
      readListScript,
      3,
    );
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
  async recordJoins(entries: readonly JoinEntry[]): Promise<JoinOutcome[]> {
    return Promise.all(
      entries.map((e) =>
        this.join([this.k(e.activationKey), this.k(e.deviceKey)], [e.eventId, e.time, rememberedJoinEvents]),
      ),
    );
  }

  private listKeys(key: string): string[] {
    return [`${this.k(key)}:list`, `${this.k(key)}:ids`, this.k(key)];
  }

  async appendToList(
    key: string,
    entries: readonly ListEntry[],
    keep: number,
    converting?: string,
  ): Promise<boolean> {
    const args: (string | number)[] = [converting === undefined ? '0' : '1', converting ?? '', keep];
    for (const e of entries) args.push(e.id, e.time, `${e.id}\u001f${e.time}\u001f${e.value}`);
    return (await this.appendList(this.listKeys(key), args)) === 1;
  }

  async readList(key: string): Promise<StoredList> {
    const [hasPlain, plain, elements] = await this.readListScript(this.listKeys(key), []);
    return {
      plain: hasPlain === 1 ? plain : undefined,
      values: elements.map((el) => el.slice(el.lastIndexOf('\u001f') + 1)),
    };
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

  async indexBeyond(index: string, skip: number, limit: number): Promise<string[]> {
    return this.redis.zrange(this.k(index), skip, skip + limit - 1);
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
