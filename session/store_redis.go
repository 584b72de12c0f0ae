package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps sessions in Redis, standalone, Sentinel or Cluster alike
// (go-redis' UniversalClient), one hash per session "<prefix><id>" with
// the fields v (version) and d (envelope). Keys expire after the session's
// max inactive interval (PEXPIRE on every save), so Redis scavenges them
// itself. A save is one Lua script that compares v with the version the
// node loaded and writes only if they match: a concurrent save by another
// node is detected, never overwritten. Each session is one key, so the
// script runs on Redis Cluster as on a single server.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisStore keeps sessions in rdb under keys "<prefix><id>"; an empty
// prefix means "session:".
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	if prefix == "" {
		prefix = "session:"
	}
	return &RedisStore{rdb: rdb, prefix: prefix}
}

// saveScript: KEYS[1] the session, ARGV expected version, new version,
// envelope, TTL in ms. A key of the wrong type is overwritten only by a new
// session (expected 0), as a corrupt entry would be.
var saveScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
local cur = '0'
if t == 'hash' then
  cur = redis.call('HGET', KEYS[1], 'v') or '0'
elseif t ~= 'none' then
  if ARGV[1] ~= '0' then return 0 end
  redis.call('DEL', KEYS[1])
end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// removeScript deletes an unreadable session only if it is still the data
// the node read (ARGV[1]; empty: a key that is not a hash), so that a good
// save made meanwhile by another node survives.
var removeScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
if (ARGV[1] == '' and t ~= 'hash' and t ~= 'none') or
   (t == 'hash' and redis.call('HGET', KEYS[1], 'd') == ARGV[1]) then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Load implements Store.
func (s *RedisStore) Load(ctx context.Context, id string) (*Data, error) {
	key := s.prefix + id
	b, err := s.rdb.HGet(ctx, key, "d").Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, ErrNotFound
	case err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE"):
		removeScript.Run(ctx, s.rdb, []string{key}, "")
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	case err != nil:
		return nil, err
	}
	d, err := decode(b)
	if err != nil {
		removeScript.Run(ctx, s.rdb, []string{key}, b)
		return nil, err
	}
	return d, nil
}

// Save implements Store.
func (s *RedisStore) Save(ctx context.Context, id string, d *Data, expected int64) error {
	ttl := d.MaxInactive.Milliseconds()
	if ttl <= 0 {
		return fmt.Errorf("session: Redis needs a positive max inactive interval, not %v", d.MaxInactive)
	}
	prev := d.Version
	d.Version = expected + 1
	ok, err := saveScript.Run(ctx, s.rdb, []string{s.prefix + id},
		strconv.FormatInt(expected, 10), strconv.FormatInt(d.Version, 10), encode(d), ttl).Int()
	if err == nil && ok == 0 {
		err = ErrConflict
	}
	if err != nil {
		d.Version = prev
	}
	return err
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, id string) error {
	return s.rdb.Del(ctx, s.prefix+id).Err()
}

// Close closes the Redis client.
func (s *RedisStore) Close() error { return s.rdb.Close() }
