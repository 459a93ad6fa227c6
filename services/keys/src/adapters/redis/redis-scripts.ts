/**
 * The Lua scripts of the Redis state store: one per atomic step. A device's keys and its outbox shard's stream share
 * the shard's hash tag (`outbox-shards.ts`), so each script touches one slot.
 */

/**
 * The reserve step's parts, shared by the reserve and commit-join scripts. KEYS[1..3]: nonce hash, DevNonce history
 * zset, rejoin frame history zset. ARGV[1..8]: check kind (h|c|r0|r1), value, history size (DevNonces for h, rejoin
 * frames for r0), max JoinNonce, rejoin frame hex (r0), retry digest ('' for none), now (ms), retry window (ms).
 * `refusal()` runs the checks: nil and the stored JoinNonce when they pass, else the reply: {0, refusal}, {2, joinNonce, SessionKeyID, event
 * id} for the identical retry of the last accepted join (field `ra`, written by the commit), or {3, refusal} when
 * the identical JoinReq was reserved less than 2 s ago and is not committed yet (field `rp`: in flight through
 * another gateway replica; asked again, it becomes a retry). `reserve(jn)` records the check and hands out `jn`.
 */
const reserveParts = `
local nonce, history, frames = KEYS[1], KEYS[2], KEYS[3]
local kind, v, historySize, maxJoinNonce = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function field(name, default)
  local value = redis.call('HGET', nonce, name)
  if value then return tonumber(value) end
  return default
end
local function retry()
  if ARGV[6] == nil or ARGV[6] == '' then return nil end
  local raw = redis.call('HGET', nonce, 'ra')
  if not raw then return nil end
  local last = cjson.decode(raw)
  if last.devNonce ~= v or last.digest ~= ARGV[6] then return nil end
  if tonumber(ARGV[7]) - last.at >= tonumber(ARGV[8]) then return nil end
  return {2, last.joinNonce, last.sessionKeyId, last.eventId}
end
local function pending(refusal)
  if ARGV[6] == nil or ARGV[6] == '' then return nil end
  local raw = redis.call('HGET', nonce, 'rp')
  if not raw then return nil end
  local p = cjson.decode(raw)
  if p.devNonce ~= v or p.digest ~= ARGV[6] or tonumber(ARGV[7]) - p.at >= 2000 then return nil end
  return {3, refusal}
end
local function refusal()
  if kind == 'c' then
    if v <= field('ldn', -1) then return retry() or pending('dev_nonce_too_small') or {0, 'dev_nonce_too_small'} end
  elseif kind == 'h' then
    if redis.call('ZSCORE', history, ARGV[2]) then return retry() or pending('dev_nonce_replayed') or {0, 'dev_nonce_replayed'} end
  elseif kind == 'r0' then
    if redis.call('ZSCORE', frames, ARGV[5]) then return {0, 'rj_count_replayed'} end
  elseif kind == 'r1' then
    if v <= field('rj1', -1) then return {0, 'rj_count_replayed'} end
  else
    return redis.error_reply('unknown nonce check ' .. kind)
  end
  local jn = field('jn', 0)
  if jn >= maxJoinNonce then return {0, 'join_nonce_exhausted'} end
  return nil, jn
end
local function reserve(jn)
  if kind == 'h' then
    redis.call('ZADD', history, jn, ARGV[2])
    local size = redis.call('ZCARD', history)
    if size > historySize then redis.call('ZREMRANGEBYRANK', history, 0, size - historySize - 1) end
  end
  if kind == 'r0' then
    redis.call('ZADD', frames, jn, ARGV[5])
    local size = redis.call('ZCARD', frames)
    if size > historySize then redis.call('ZREMRANGEBYRANK', frames, 0, size - historySize - 1) end
  end
  if kind == 'h' or kind == 'c' then redis.call('HSET', nonce, 'ldn', v) end
  if kind == 'r1' then redis.call('HSET', nonce, 'rj1', v) end
  if kind == 'r0' then redis.call('HSET', nonce, 'rj0', v) else redis.call('HSET', nonce, 'rj0', -1) end
  redis.call('HSET', nonce, 'jn', jn)
  if ARGV[6] ~= nil and ARGV[6] ~= '' then
    redis.call('HSET', nonce, 'rp', cjson.encode({devNonce = v, digest = ARGV[6], at = tonumber(ARGV[7])}))
  end
end
`;

/**
 * The commit step's part, shared by the commit and commit-join scripts. `commit(sessions, order, outbox, nonce, a)`
 * takes the keys (sessions hash, session order zset, outbox stream, nonce hash) and reads ARGV[a+1..a+8]:
 * SessionKeyID, JoinNonce, session JSON, max sessions, topic, key, value, accepted-join JSON ('' for none; kept as the
 * nonce hash's `ra`). Returns the outbox stream id.
 */
const commitPart = `
local function commit(sessions, order, outbox, nonce, a)
  if ARGV[a + 8] ~= '' then redis.call('HSET', nonce, 'ra', ARGV[a + 8]) end
  redis.call('HSET', sessions, ARGV[a + 1], ARGV[a + 3])
  redis.call('ZADD', order, ARGV[a + 2], ARGV[a + 1])
  local size = redis.call('ZCARD', order)
  local max = tonumber(ARGV[a + 4])
  if size > max then
    for _, id in ipairs(redis.call('ZRANGE', order, 0, size - max - 1)) do redis.call('HDEL', sessions, id) end
    redis.call('ZREMRANGEBYRANK', order, 0, size - max - 1)
  end
  return redis.call('XADD', outbox, '*', 'topic', ARGV[a + 5], 'key', ARGV[a + 6], 'value', ARGV[a + 7])
end
`;

/** The reserve step (`reserveParts`): returns {1, joinNonce} when the checks pass, else the refusal's reply. */
export const reserveLua = `${reserveParts}
local refused, jn = refusal()
if refused then return refused end
reserve(jn + 1)
return {1, jn + 1}
`;

/** KEYS: sessions hash, session order zset, outbox stream, nonce hash. ARGV: as `commitPart`'s. */
export const commitLua = `${commitPart}
return commit(KEYS[1], KEYS[2], KEYS[3], KEYS[4], 0)
`;

/**
 * Reserve and commit in one step, for an accept built with the JoinNonce in ARGV[10] (the session's). KEYS: those of
 * `reserveParts`, then sessions hash, session order zset, outbox stream. ARGV[1..8]: `reserveParts`'s; ARGV[9..16]:
 * `commitPart`'s. Returns the reserve refusal's reply, {4, stored JoinNonce} when it is not ARGV[10] minus one
 * (nothing changed), or {1, joinNonce, outbox stream id}.
 */
export const commitJoinLua = `${reserveParts}${commitPart}
local refused, jn = refusal()
if refused then return refused end
if jn + 1 ~= tonumber(ARGV[10]) then return {4, jn} end
reserve(jn + 1)
return {1, jn + 1, commit(KEYS[4], KEYS[5], KEYS[6], nonce, 8)}
`;

/**
 * KEYS: nonce hash, DevNonce history zset, resets list. ARGV: audit JSON ({actor, reason, time}).
 * Returns {last DevNonce, history size}; the JoinNonce is left alone.
 */
export const resetLua = `
local nonce, history, resets = KEYS[1], KEYS[2], KEYS[3]
local last = tonumber(redis.call('HGET', nonce, 'ldn') or '-1')
local size = redis.call('ZCARD', history)
redis.call('HSET', nonce, 'ldn', -1)
redis.call('DEL', history)
redis.call('RPUSH', resets, ARGV[1] .. '|' .. last .. '|' .. size)
return {last, size}
`;
