import { hashSlot } from '@joinery/store';

/**
 * How the keys service lays its state out over Redis Cluster (ADR 0007). The outbox is split into a fixed number of
 * shards; each shard has a hash tag, and a device's keys carry the tag of its shard, so the commit script writes the
 * session and appends the JoinEvent to the shard's stream in one slot. Fixed for the life of the data: changing it
 * would move devices' nonce state to other keys.
 */
export const outboxShardCount = 32;

const slots = 16384;
const slotsPerShard = slots / outboxShardCount;

/**
 * The hash tag of shard `k`: the first text `k-j` (j = 0, 1, …) whose slot lies in the k-th of `outboxShardCount`
 * equal slot ranges. So the shards spread evenly over primaries that own contiguous equal ranges (what
 * `redis-cli --cluster create` sets up), and resharding moves whole shards.
 */
export const shardTags: readonly string[] = Array.from({ length: outboxShardCount }, (_, k) => {
  for (let j = 0; ; j++) {
    const tag = `${k}-${j}`;
    if (Math.floor(hashSlot(tag) / slotsPerShard) === k) return tag;
  }
});

/** The shard of a device: its DevEUI's own hash slot, coarsened to the shard's slot range. */
export function shardOf(devEuiHex: string): number {
  return Math.floor(hashSlot(devEuiHex.toUpperCase()) / slotsPerShard);
}

const part = /^[^{}\s]+$/;

const devEuiHexPattern = /^[0-9A-F]{16}$/;

/** `<prefix>:{<shard tag>}:<DEVEUI>:<part>`, e.g. `joinery:keys:{3-1}:0102030405060708:nonce`. */
export function shardedDeviceKey(prefix: string, devEuiHex: string, what: string): string {
  if (!part.test(what)) throw new Error(`invalid device key part`);
  return `${deviceKeyBase(prefix, devEuiHex).base}${what}`;
}

/**
 * A device's shard and the common start of its keys (`<prefix>:{<shard tag>}:<DEVEUI>:`), validated and hashed once:
 * a join builds seven keys of one device (`shardedDeviceKey` of each part is this plus the part).
 */
export function deviceKeyBase(prefix: string, devEuiHex: string): { shard: number; base: string } {
  const dev = devEuiHex.toUpperCase();
  if (!devEuiHexPattern.test(dev) || !part.test(prefix)) throw new Error(`invalid device key part`);
  const shard = shardOf(dev);
  return { shard, base: `${prefix}:{${shardTags[shard]!}}:${dev}:` };
}

/** The outbox stream of shard `k`: `<prefix>:{<shard tag>}:outbox`. */
export const outboxStreamKey = (prefix: string, k: number): string => `${prefix}:{${shardTags[k]!}}:outbox`;

/** The relay lease of shard `k`, in the shard's slot. */
export const outboxLeaseKey = (prefix: string, k: number): string =>
  `${prefix}:{${shardTags[k]!}}:outbox:relay-lease`;

/** The sorted set of live relays (member: owner, score: when its heartbeat expires), one key of its own. */
export const relayMembersKey = (prefix: string): string => `${prefix}:outbox:relays`;
