"""The Redis script behind the rate limiter's leases (`handoff.api.ratelimit`)."""

# KEYS: the buckets this request needs a lease of. ARGV: now in ms, then per bucket: refill
# per ms, capacity, tokens wanted, tokens handed back (the unspent rest of an expired
# lease). Grants only when every bucket has a token: then min(wanted, whole tokens) of
# each. Returns allowed, then per bucket the tokens granted, its tokens left (as text: Lua
# numbers come back truncated) and the ms until one token is back.
TAKE_LEASES = """
local now = tonumber(ARGV[1])
local state = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[4 * i - 2])
  local burst = tonumber(ARGV[4 * i - 1])
  local got = redis.call('HMGET', key, 't', 'ts')
  local tokens = tonumber(got[1]) or burst
  local ts = tonumber(got[2]) or now
  if now > ts then
    tokens = math.min(burst, tokens + (now - ts) * rate)
    ts = now
  end
  tokens = math.min(burst, tokens + tonumber(ARGV[4 * i + 1]))
  if tokens < 1 then allowed = 0 end
  state[i] = {tokens, ts, rate, burst}
end
local out = {allowed}
for i, key in ipairs(KEYS) do
  local tokens, ts, rate, burst = unpack(state[i])
  local granted = 0
  if allowed == 1 then
    granted = math.min(tonumber(ARGV[4 * i]), math.floor(tokens))
    tokens = tokens - granted
  end
  redis.call('HSET', key, 't', tostring(tokens), 'ts', tostring(ts))
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
  local wait = 0
  if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
  table.insert(out, granted)
  table.insert(out, tostring(tokens))
  table.insert(out, wait)
end
return out
"""
