package testutil

import (
	"net"
	"strings"
	"testing"
)

// RedisCluster is a real Redis Cluster of masters without replicas, each a
// redis-server on its own 127.0.0.1 port (and cluster bus port).
type RedisCluster struct {
	Nodes []*Redis
	// Addrs are the nodes' addresses, as a client's seed list.
	Addrs []string
}

// StartRedisCluster starts n redis-servers in cluster mode, joins them and
// spreads the 16384 slots over them with `redis-cli --cluster create`, and
// waits until every node says the cluster is ok.
func StartRedisCluster(t testing.TB, n int) *RedisCluster {
	t.Helper()
	c := &RedisCluster{}
	for range n {
		_, bus, _ := net.SplitHostPort(freePort(t))
		r := StartRedisWith(t, "--cluster-enabled", "yes", "--cluster-port", bus,
			"--cluster-node-timeout", "2000", "--cluster-config-file", "nodes.conf")
		c.Nodes = append(c.Nodes, r)
		c.Addrs = append(c.Addrs, r.Addr)
	}
	Cli(t, c.Addrs[0], append(append([]string{"--cluster", "create"}, c.Addrs...), "--cluster-replicas", "0", "--cluster-yes")...)
	for _, a := range c.Addrs {
		Eventually(t, "cluster state ok on "+a, func() bool {
			return strings.Contains(Cli(t, a, "CLUSTER", "INFO"), "cluster_state:ok")
		})
	}
	return c
}
