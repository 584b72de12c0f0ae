package session

import (
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// OpenStore opens the store a command line names:
//
//	memory                     this process only
//	file:DIR                   one file per session in DIR
//	redis://[:PASS@]HOST:PORT/DB   a Redis server (rediss:// for TLS)
//	redis-cluster://HOST:PORT?addr=HOST2:PORT2   a Redis Cluster
//
// Stores that hold a connection implement io.Closer.
func OpenStore(spec string) (Store, error) {
	switch {
	case spec == "memory":
		return NewMemoryStore(), nil
	case strings.HasPrefix(spec, "file:"):
		dir := strings.TrimPrefix(spec, "file:")
		if dir == "" {
			return nil, fmt.Errorf("session: store %q names no directory", spec)
		}
		return NewFileStore(dir)
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		opts, err := redis.ParseURL(spec)
		if err != nil {
			return nil, fmt.Errorf("session: store %q: %v", spec, err)
		}
		return NewRedisStore(redis.NewClient(opts), ""), nil
	case strings.HasPrefix(spec, "redis-cluster://"):
		opts, err := redis.ParseClusterURL("redis://" + strings.TrimPrefix(spec, "redis-cluster://"))
		if err != nil {
			return nil, fmt.Errorf("session: store %q: %v", spec, err)
		}
		return NewRedisStore(redis.NewClusterClient(opts), ""), nil
	}
	return nil, fmt.Errorf("session: unknown store %q (memory, file:DIR, redis://HOST:PORT/DB, redis-cluster://HOST:PORT)", spec)
}
