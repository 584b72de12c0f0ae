package session

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps sessions in Redis (standalone, Sentinel or Cluster
// through go-redis' UniversalClient) as a hash {v: version, d: envelope},
// expiring after the session's max inactive interval. Saves are a
// compare-and-set on v in one Lua script, so a concurrent save by another
// node is detected, never overwritten.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisStore uses rdb with keys "<prefix><id>".
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{rdb: rdb, prefix: prefix}
}

var saveScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if cur == false then cur = '0' end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`)

// Load implements Store.
func (s *RedisStore) Load(ctx context.Context, id string) (*Data, error) {
	b, err := s.rdb.HGet(ctx, s.prefix+id, "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d, err := decode(b)
	if err != nil {
		s.rdb.Del(ctx, s.prefix+id)
		return nil, err
	}
	return d, nil
}

// Save implements Store.
func (s *RedisStore) Save(ctx context.Context, id string, d *Data, expected int64) error {
	d.Version = expected + 1
	b, err := encode(d)
	if err != nil {
		d.Version = expected
		return err
	}
	ok, err := saveScript.Run(ctx, s.rdb, []string{s.prefix + id},
		strconv.FormatInt(expected, 10), strconv.FormatInt(d.Version, 10), b, d.MaxInactive.Milliseconds()).Int()
	if err == nil && ok == 0 {
		err = ErrConflict
	}
	if err != nil {
		d.Version = expected
	}
	return err
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, id string) error {
	return s.rdb.Del(ctx, s.prefix+id).Err()
}
