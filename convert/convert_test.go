package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"balancer/config"
)

// run converts conf written as httpd.conf in a fresh directory, with
// extra files beside it, and loads the result.
func run(t *testing.T, conf string, extra map[string]string) (*config.Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range extra {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(dir, "httpd.conf")
	out, warns, err := HTTPD(strings.NewReader(conf), name)
	text := strings.ReplaceAll(warningText(warns), dir+"/", "")
	if err != nil {
		return nil, text, err
	}
	cfg, perr := config.Parse("result.yaml", out)
	if perr != nil {
		t.Fatalf("the result does not load: %v\n%s", perr, out)
	}
	return cfg, text, nil
}

const cluster = `
<Proxy balancer://c>
    BalancerMember http://127.0.0.1:8101 route=n1
    BalancerMember http://127.0.0.1:8102 route=n2
</Proxy>
ProxyPass / balancer://c/
`

func dur(d time.Duration) config.Duration { return config.Duration(d) }

func TestConvert(t *testing.T) {
	cases := []struct {
		name  string
		conf  string
		files map[string]string
		check func(t *testing.T, c *config.Config)
		warns []string // each must appear in the warnings
		quiet bool     // no warnings at all besides these
	}{
		{
			name: "continuations, quotes and case",
			conf: "listen 127.0.0.1:8000\n<PROXY \"balancer://Mixed\">\n  balancermember 'http://127.0.0.1:8101/' \\\n      route=n1 \\\n      loadfactor=1.5\n</proxy>\nproxypass \"/\" \"balancer://mixed/\" STICKYSESSION=JSESSIONID\nProxyPreserveHost on\n",
			check: func(t *testing.T, c *config.Config) {
				b := c.Balancers[0]
				if b.Name != "Mixed" || b.StickySession != "JSESSIONID" || c.Routes[0].Balancer != "Mixed" {
					t.Errorf("balancer %+v, routes %+v", b, c.Routes)
				}
				if m := b.Members[0]; m.URL != "http://127.0.0.1:8101" || m.Route != "n1" || m.LoadFactor != 1.5 {
					t.Errorf("member %+v", m)
				}
				if c.Listen[0].Addr != "127.0.0.1:8000" {
					t.Errorf("listen %+v", c.Listen)
				}
			},
			quiet: true,
		},
		{
			name: "status flags",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\n" +
				"BalancerMember http://h:1 route=a status=+H\n" +
				"BalancerMember http://h:2 route=b status=D\n" +
				"BalancerMember http://h:3 route=c status=+S-E\n" +
				"BalancerMember http://h:4 route=d status=I\n" +
				"BalancerMember http://h:5 route=e status=+N\n" +
				"BalancerMember http://h:6 route=f status=+E\n" +
				"BalancerMember http://h:7 route=g status=R\n" +
				"BalancerMember http://h:8 route=h status=+D-D+X\n" +
				"</Proxy>\nProxyPass / balancer://c/\n",
			check: func(t *testing.T, c *config.Config) {
				want := [][]string{{"hot-standby"}, {"disabled"}, {"stopped"}, {"ignore-errors"}, {"drain"}, nil, {"hot-standby"}, nil}
				for i, m := range c.Balancers[0].Members {
					if strings.Join(m.Status, ",") != strings.Join(want[i], ",") {
						t.Errorf("member %d: status %v, want %v", i, m.Status, want[i])
					}
				}
			},
			warns: []string{
				"httpd.conf:9: warning: BalancerMember status=+E: E (in error) is runtime state",
				"httpd.conf:10: warning: BalancerMember status=R: R (hot spare",
				"httpd.conf:11: warning: BalancerMember status=+D-D+X: unknown flag 'X'",
			},
		},
		{
			name: "durations and numbers",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\n" +
				"BalancerMember http://h:1 route=a retry=60 timeout=5 connectiontimeout=500ms max=20\n" +
				"BalancerMember http://h:2 route=b retry=0 timeout=2mi loadfactor=100 lbset=99\n" +
				"BalancerMember http://h:3 route=c retry=soon loadfactor=0 lbset=100 timeout=-1 redirect=zz\n" +
				"ProxySet timeout=3 maxattempts=2 failonstatus=500,503 stickysessionsep=! forcerecovery=off\n" +
				"</Proxy>\nProxyPass / balancer://c/\n",
			check: func(t *testing.T, c *config.Config) {
				b := c.Balancers[0]
				a, bb, cc := b.Members[0], b.Members[1], b.Members[2]
				if *a.Retry != dur(60*time.Second) || a.Timeout != dur(5*time.Second) || a.ConnectionTimeout != dur(500*time.Millisecond) || a.Max != 20 {
					t.Errorf("member a %+v", a)
				}
				if *bb.Retry != 0 || bb.Timeout != dur(2*time.Minute) || bb.LoadFactor != 100 || bb.LBSet != 99 {
					t.Errorf("member b %+v", bb)
				}
				if cc.Retry != nil || cc.LoadFactor != 1 || cc.LBSet != 0 || cc.Redirect != "" {
					t.Errorf("member c %+v", cc)
				}
				if b.Timeout != dur(3*time.Second) || *b.MaxAttempts != 2 || len(b.FailOnStatus) != 2 || b.StickySessionSep != "!" || b.Recover() {
					t.Errorf("balancer %+v", b)
				}
			},
			warns: []string{
				`BalancerMember retry=soon: not a whole number: not carried over`,
				`BalancerMember loadfactor=0: must be a number from 1 to 100`,
				`BalancerMember lbset=100: must be 0 to 99`,
				`BalancerMember timeout=-1: not a whole number`,
				`BalancerMember http://h:3 redirect=zz: no member of balancer://c has that route: dropped`,
			},
		},
		{
			name: "route cookie recipe makes insert mode",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\nHeader add Set-Cookie \"ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/\" env=BALANCER_ROUTE_CHANGED\n" +
				"<Proxy balancer://c>\nBalancerMember http://h:1 route=1\nBalancerMember http://h:2 route=2\nProxySet stickysession=ROUTEID\n</Proxy>\nProxyPass /app balancer://c\n",
			check: func(t *testing.T, c *config.Config) {
				b := c.Balancers[0]
				if b.StickyMode != "insert" || b.StickyCookie != "ROUTEID" || b.StickySession != "" {
					t.Errorf("balancer %+v", b)
				}
			},
			quiet: true,
		},
		{
			name: "recipe without stickysession, on the only balancer",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\nHeader always set Set-Cookie \"LB=.%{BALANCER_WORKER_ROUTE}e; path=/\"\n" + cluster,
			check: func(t *testing.T, c *config.Config) {
				if b := c.Balancers[0]; b.StickyMode != "insert" || b.StickyCookie != "LB" {
					t.Errorf("balancer %+v", b)
				}
			},
			warns: []string{"no balancer has stickysession=LB, so httpd never read the cookie back"},
		},
		{
			name: "balancer subpath goes into member URLs, a second one into a copy",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\nBalancerMember http://h:1/base route=a\n</Proxy>\n" +
				"ProxyPass /shop balancer://c/shop\nProxyPass /old balancer://c/legacy/\nProxyPass /shop2 balancer://c/shop\n",
			check: func(t *testing.T, c *config.Config) {
				if len(c.Balancers) != 2 {
					t.Fatalf("balancers %+v", c.Balancers)
				}
				if u := c.Balancers[0].Members[0].URL; u != "http://h:1/base/shop" {
					t.Errorf("first URL %s", u)
				}
				if u := c.Balancers[1].Members[0].URL; u != "http://h:1/base/legacy" || c.Balancers[1].Name != "c-legacy" {
					t.Errorf("copy %s %s", c.Balancers[1].Name, u)
				}
				got := map[string]string{}
				for _, r := range c.Routes {
					got[r.Path] = r.Balancer
				}
				if got["/shop"] != "c" || got["/shop2"] != "c" || got["/old"] != "c-legacy" {
					t.Errorf("routes %v", got)
				}
			},
			warns: []string{`httpd.conf:7: warning: balancer://c is used with the path "/legacy" here and "/shop" at line 6`},
		},
		{
			name: "exclusions",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Location /balancer-manager>\nSetHandler balancer-manager\nRequire local\n</Location>\n" +
				"ProxyPass /balancer-manager !\nProxyPass /static !\nProxyPass /other/x !\n" + cluster,
			check: func(t *testing.T, c *config.Config) {
				if c.Manager.Path != "/balancer-manager" || len(c.Routes) != 1 {
					t.Errorf("manager %+v routes %+v", c.Manager, c.Routes)
				}
			},
			warns: []string{
				"httpd.conf:8: warning: ProxyPass /static !: exclusions are not supported: these requests go to balancer://c (route /) here",
				"httpd.conf:9: warning: ProxyPass /other/x !",
			},
		},
		{
			name:  "include relative to the main file, glob and directory",
			conf:  "Include conf.d/*.conf\nInclude ports\nInclude missing.conf\nInclude /etc/httpd/conf.d/x.conf\nInclude ../outside.conf\n",
			files: map[string]string{"conf.d/b.conf": "ProxyPass / balancer://c/\nProxyPreserveHost On\n", "conf.d/a.conf": "<Proxy balancer://c>\nBalancerMember http://h:1 route=a foo=1\n</Proxy>\n", "ports/main": "Listen 127.0.0.1:8000\n"},
			check: func(t *testing.T, c *config.Config) {
				if len(c.Balancers) != 1 || len(c.Routes) != 1 || c.Listen[0].Addr != "127.0.0.1:8000" {
					t.Errorf("config %+v", c)
				}
			},
			warns: []string{
				"conf.d/a.conf:2: warning: BalancerMember foo=1 is not carried over",
				"httpd.conf:3: warning: Include missing.conf: no such file next to",
				"httpd.conf:4: warning: Include /etc/httpd/conf.d/x.conf: outside the directory of",
				"httpd.conf:5: warning: Include ../outside.conf: outside the directory of",
			},
		},
		{
			name:  "include cycle stops",
			conf:  "Include self.conf\n" + cluster + "Listen 127.0.0.1:8000\nProxyPreserveHost On\n",
			files: map[string]string{"self.conf": "Include self.conf\n"},
			warns: []string{"self.conf:1: warning: Include self.conf: included files nest deeper than 16: not followed"},
		},
		{
			name: "sections out of order",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n</VirtualHost>\n<VirtualHost *:8000>\n<Location /x>\n</VirtualHost>\n" + cluster + "<Proxy balancer://d>\n",
			warns: []string{
				"httpd.conf:3: warning: </VirtualHost> without a matching opening section: ignored",
				"httpd.conf:6: warning: </VirtualHost> closes <VirtualHost> while <Location> (line 5) is still open",
				"httpd.conf:13: warning: <Proxy> is not closed in this file",
			},
		},
		{
			name: "comment after a directive, defines and undefined variables",
			conf: "Define PORT 8101\nListen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\nBalancerMember http://h:${PORT} route=a # first node\nBalancerMember http://${NODE2}:8102 route=b\n</Proxy>\nProxyPass / balancer://c/\n",
			check: func(t *testing.T, c *config.Config) {
				if m := c.Balancers[0].Members; len(m) != 1 || m[0].URL != "http://h:8101" || m[0].Route != "a" {
					t.Errorf("members %+v", m)
				}
			},
			warns: []string{
				"httpd.conf:5: warning: BalancerMember: the text after '#' is read as a comment",
				"httpd.conf:6: warning: ${NODE2} is not defined in the file",
				"httpd.conf:6: warning: BalancerMember http://${NODE2}:8102: not a URL with a host",
			},
		},
		{
			name: "the manager moves off a port httpd listens on",
			conf: "Listen 8081\nProxyPreserveHost On\n" + cluster,
			check: func(t *testing.T, c *config.Config) {
				if c.Manager.Listen != "127.0.0.1:8082" || c.Listen[0].Addr != ":8081" {
					t.Errorf("manager %s, listen %+v", c.Manager.Listen, c.Listen)
				}
			},
			warns: []string{"httpd.conf:1: warning: port 8081 is the manager's default"},
		},
		{
			name: "ProxySet on a member URL, ProxyPass to a single URL, ProxyTimeout",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\nProxyTimeout 30\n" + cluster +
				"ProxySet http://127.0.0.1:8102 loadfactor=4 status=+H\n<Proxy http://127.0.0.1:8101>\nProxySet lbset=1\n</Proxy>\n" +
				"ProxyPass /one http://10.9.9.9:8080/one/ timeout=7 retry=1 keepalive=On\n",
			check: func(t *testing.T, c *config.Config) {
				ms := c.Balancers[0].Members
				if ms[1].LoadFactor != 4 || !ms[1].Has("hot-standby") || ms[0].LBSet != 1 || ms[0].Timeout != dur(30*time.Second) {
					t.Errorf("members %+v", ms)
				}
				one := c.Balancers[1]
				if one.Name != "10.9.9.9-8080" || one.Members[0].URL != "http://10.9.9.9:8080/one" || one.Members[0].Timeout != dur(7*time.Second) || *one.Members[0].Retry != dur(time.Second) {
					t.Errorf("single-URL balancer %+v", one)
				}
			},
			warns: []string{"ProxyPass keepalive=On is not carried over"},
		},
		{
			name: "members: duplicates, schemes, stickysession without routes",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\n" +
				"BalancerMember http://h:1\nBalancerMember http://h:1/\nBalancerMember fcgi://h:9000\nBalancerMember wss://h:2/ws\nBalancerMember h2c://h:3\n" +
				"BalancerMember http://user:pw@h:4/?x=1\nProxySet stickysession=JSESSIONID\n</Proxy>\nProxyPass / balancer://c/\n",
			check: func(t *testing.T, c *config.Config) {
				var urls []string
				for _, m := range c.Balancers[0].Members {
					urls = append(urls, m.URL)
				}
				if strings.Join(urls, " ") != "http://h:1 https://h:2/ws http://h:3 http://h:4" || c.Balancers[0].StickySession != "" {
					t.Errorf("members %v, balancer %+v", urls, c.Balancers[0])
				}
			},
			warns: []string{
				"httpd.conf:5: warning: BalancerMember http://h:1/: already a member of balancer://c (line 4): ignored",
				"httpd.conf:6: warning: BalancerMember fcgi://h:9000: the fcgi:// scheme is not supported",
				"httpd.conf:8: warning: BalancerMember h2c://h:3: members are spoken to in HTTP/1.1",
				"httpd.conf:9: warning: BalancerMember http://user:pw@h:4/?x=1: a member URL has no credentials, query or fragment",
				"httpd.conf:3: warning: balancer://c has stickysession=JSESSIONID but no member has a route",
			},
		},
		{
			name: "health checks",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\nProxyHCExpr ok {%{REQUEST_STATUS} == 204}\n<Proxy balancer://c>\n" +
				"BalancerMember http://h:1 route=a hcmethod=options hcuri=health?deep=1 hcinterval=250ms hcfails=2 hcexpr=ok\n" +
				"BalancerMember http://h:2 route=b hcmethod=OPTIONS hcuri=health hcinterval=250ms hcfails=2 hcexpr=ok\n" +
				"BalancerMember http://h:3 route=c hcmethod=None hcinterval=10ms hcpasses=0 hcexpr=missing hctemplate=nope\n" +
				"ProxyHCTemplate loop hctemplate=loop hcuri=/x\nBalancerMember http://h:4 route=d hctemplate=loop\n" +
				"</Proxy>\nProxyPass / balancer://c/\n",
			check: func(t *testing.T, c *config.Config) {
				h := c.Balancers[0].HealthCheck
				if h == nil || h.Method != "OPTIONS" || h.URI != "/health" || h.Interval != dur(250*time.Millisecond) || h.Fails != 2 || h.Passes != 1 || !h.Expect.Match(204) || h.Expect.Match(200) {
					t.Errorf("healthcheck %+v", h)
				}
			},
			warns: []string{
				"httpd.conf:5: warning: BalancerMember hcuri=health?deep=1: the health check requests a path without query: ?deep=1 is dropped",
				`httpd.conf:5: warning: hcexpr=ok {%{REQUEST_STATUS} == 204}: only the status is checked: written as expect: "204"`,
				"httpd.conf:7: warning: BalancerMember hcinterval=10ms: must be at least 100ms",
				"httpd.conf:7: warning: BalancerMember hcpasses=0: must be a whole number, 1 or more",
				"httpd.conf:7: warning: BalancerMember hctemplate=nope: no ProxyHCTemplate of that name",
				"httpd.conf:9: warning: BalancerMember (ProxyHCTemplate loop) hctemplate=loop: a template cannot name another: ignored",
				"httpd.conf:7: warning: BalancerMember http://h:3 has no health check in httpd, but every member of balancer://c is checked here",
			},
		},
		{
			name: "TLS virtual host and redirect",
			conf: "Listen 80\nListen 443\nProxyPreserveHost On\n<VirtualHost *:80>\nRedirect permanent / https://www.example.com/\n</VirtualHost>\n" +
				"<VirtualHost _default_:443>\nSSLEngine on\nSSLCertificateFile /etc/ssl/both.pem\n" + cluster + "</VirtualHost>\n",
			check: func(t *testing.T, c *config.Config) {
				l := c.Listen
				if len(l) != 2 || !l[0].RedirectHTTPS || l[1].TLS == nil || l[1].TLS.Cert != "/etc/ssl/both.pem" || l[1].TLS.Key != "/etc/ssl/both.pem" {
					t.Errorf("listen %+v", l)
				}
			},
		},
		{
			name: "Listen 443 without a certificate",
			conf: "Listen 443\nProxyPreserveHost On\n" + cluster,
			check: func(t *testing.T, c *config.Config) {
				if c.Listen[0].TLS != nil || c.Listen[0].Addr != ":443" {
					t.Errorf("listen %+v", c.Listen)
				}
			},
			warns: []string{"Listen on port 443 is https, but no SSLEngine on with an SSLCertificateFile was found for it"},
		},
		{
			name: "RewriteRule [P] to a balancer",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://c>\nBalancerMember http://h:1 route=a\n</Proxy>\n" +
				"RewriteEngine On\nRewriteCond %{REQUEST_URI} !^/static\nRewriteRule ^/app/(.*)$ balancer://c/app/$1 [P,L]\nRewriteRule ^/x/([a-z]+)$ balancer://c/$1 [P]\nRewriteRule ^/old$ /new [R]\n",
			check: func(t *testing.T, c *config.Config) {
				if len(c.Routes) != 1 || c.Routes[0].Path != "/app" || c.Balancers[0].Members[0].URL != "http://h:1/app" {
					t.Errorf("routes %+v members %+v", c.Routes, c.Balancers[0].Members)
				}
			},
			warns: []string{
				"httpd.conf:7: warning: RewriteCond before RewriteRule ^/app/(.*)$: conditions are not carried over",
				`httpd.conf:9: warning: RewriteRule ^/x/([a-z]+)$ balancer://c/$1 [P]: only "^/prefix(.*)$ URL$1 [P]" becomes a route`,
				"httpd.conf:10: warning: RewriteRule ^/old$ /new is not carried over",
			},
		},
		{
			name: "ProxyPass order and vhosts",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Proxy balancer://a>\nBalancerMember http://h:1\n</Proxy>\n<Proxy balancer://b>\nBalancerMember http://h:2\n</Proxy>\n" +
				"<VirtualHost *:8000>\nServerName one.example\nProxyPass / balancer://a/\nProxyPass /api balancer://b/\n</VirtualHost>\n" +
				"<VirtualHost *:8000>\nServerName two.example\nProxyPass / balancer://b/\nProxyPassReverse /nothing balancer://b/\nProxyPassReverse /api http://elsewhere:1/\n</VirtualHost>\n",
			check: func(t *testing.T, c *config.Config) {
				if len(c.Routes) != 2 || c.Routes[0].Balancer != "a" || c.Routes[1].Path != "/api" || !c.Routes[1].Reverse {
					t.Errorf("routes %+v", c.Routes)
				}
			},
			warns: []string{
				"httpd.conf:12: warning: ProxyPass /api comes after ProxyPass / (line 11), which httpd matches first",
				"httpd.conf:16: warning: ProxyPass /: the path is already routed to balancer://a at line 11",
				"httpd.conf:14: warning: routes of every <VirtualHost> are merged (one.example, two.example)",
				"httpd.conf:17: warning: ProxyPassReverse /nothing balancer://b/: no ProxyPass for this path",
				"httpd.conf:18: warning: ProxyPassReverse /api http://elsewhere:1/: the URL is not one of balancer://b's",
			},
		},
		{
			name: "manager access",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<Location /lb-admin/>\nSetHandler balancer-manager\nRequire all granted\nRequire user ops\nRequire expr %{REMOTE_ADDR} == '1.2.3.4'\nOrder deny,allow\nAllow from 192.0.2.1\n</Location>\n" + cluster +
				"<Location /private>\nRequire ip 10.0.0.0/8\n</Location>\n",
			check: func(t *testing.T, c *config.Config) {
				if c.Manager.Path != "/lb-admin" || c.Manager.Listen != "127.0.0.1:8081" {
					t.Errorf("manager %+v", c.Manager)
				}
			},
			warns: []string{
				"httpd.conf:5: warning: Require all granted: the manager was open to every client in httpd",
				"httpd.conf:6: warning: Require user ops: configure manager.auth.users",
				"httpd.conf:7: warning: Require expr %{REMOTE_ADDR} == 1.2.3.4 is not carried over",
				"httpd.conf:9: warning: Allow from 192.0.2.1: not carried over",
				"httpd.conf:18: warning: Require ip 10.0.0.0/8 in <Location /private>: client access control is not carried over",
			},
		},
		{
			name: "skipped sections",
			conf: "Listen 127.0.0.1:8000\nProxyPreserveHost On\n<IfModule !proxy_module>\nProxyPass /never http://h:9/\n</IfModule>\n<IfModule proxy_module>\n" + cluster + "</IfModule>\n" +
				"<Directory /var/www>\nProxyPass /dir http://h:9/\n</Directory>\n<Macro VHost $n>\nProxyPass /$n http://h:9/\n</Macro>\nUse VHost x\n",
			check: func(t *testing.T, c *config.Config) {
				if len(c.Routes) != 1 || c.Routes[0].Path != "/" {
					t.Errorf("routes %+v", c.Routes)
				}
			},
			warns: []string{
				"warning: ProxyPass inside <Directory /var/www>: not carried over",
				"warning: <Macro VHost>: mod_macro bodies are not expanded",
				"warning: Use VHost x: mod_macro is not expanded",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, warns, err := run(t, tc.conf, tc.files)
			if err != nil {
				t.Fatalf("HTTPD: %v\n%s", err, warns)
			}
			if tc.check != nil {
				tc.check(t, cfg)
			}
			for _, w := range tc.warns {
				if !strings.Contains(warns, w) {
					t.Errorf("no warning %q in:\n%s", w, warns)
				}
			}
			if tc.quiet && warns != "" {
				t.Errorf("want no warnings, got:\n%s", warns)
			}
		})
	}
}

func TestNothingToConvert(t *testing.T) {
	cases := []struct{ name, conf, err string }{
		{"empty", "", "no balancer:// and no ProxyPass"},
		{"only comments", "# nothing\n\n   # here\n", "no balancer:// and no ProxyPass"},
		{"balancer without route", "<Proxy balancer://c>\nBalancerMember http://h:1\n</Proxy>\n", "no ProxyPass to a balancer:// or http:// URL"},
		{"only unsupported", "ProxyPass / fcgi://127.0.0.1:9000/\n", "no balancer:// and no ProxyPass"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, tc.conf, nil)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// errReader fails like a file that cannot be read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, os.ErrPermission }

func TestReadError(t *testing.T) {
	if _, _, err := HTTPD(errReader{}, "httpd.conf"); err == nil || !strings.Contains(err.Error(), "httpd.conf") {
		t.Fatalf("err = %v", err)
	}
}
