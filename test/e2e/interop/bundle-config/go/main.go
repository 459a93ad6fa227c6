// bundle-check loads the The Things Stack and ChirpStack v3 files of a Joinery NS bundle the way those products load
// them: viper (TTS's and ChirpStack v3's configuration loader, which lower-cases keys and splits them at dots) for
// ttn-lw-stack.yml + key-vault.yml and chirpstack-network-server.toml, and gopkg.in/yaml.v2 UnmarshalStrict for TTS's
// interop directory (config.yml, js.yml), resolving js.yml's files as TTS's fetcher does (relative to js.yml's folder,
// inside the interop directory). Every problem found is printed; the exit code is 1 when there is any.
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
	yaml "gopkg.in/yaml.v2"
)

var problems []string

func fail(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

type expected struct {
	bundle, netID, nsID, asID, label, kek string
	biURL                                 *url.URL
	prefixes                              []string
	async                                 bool
}

// The parts of TTS's configuration a bundle sets (pkg/config: ns.net-id, ns.interop.*, key-vault.*).
type ttsConfig struct {
	NS struct {
		NetID   string `mapstructure:"net-id"`
		Interop struct {
			ConfigSource string `mapstructure:"config-source"`
			Directory    string `mapstructure:"directory"`
			ID           string `mapstructure:"id"`
		} `mapstructure:"interop"`
	} `mapstructure:"ns"`
	AS struct {
		Interop struct {
			ConfigSource string `mapstructure:"config-source"`
			Directory    string `mapstructure:"directory"`
			ID           string `mapstructure:"id"`
		} `mapstructure:"interop"`
	} `mapstructure:"as"`
	KeyVault struct {
		Provider string            `mapstructure:"provider"`
		Static   map[string]string `mapstructure:"static"`
	} `mapstructure:"key-vault"`
}

// pkg/interop's config.yml and js.yml shapes (decoded with yaml.UnmarshalStrict, as TTS does).
type interopConfig struct {
	JoinServers []struct {
		File       string   `yaml:"file"`
		Components []string `yaml:"components"`
		JoinEUIs   []string `yaml:"join-euis"`
	} `yaml:"join-servers"`
}

type jsConfig struct {
	DNS        string            `yaml:"dns"`
	FQDN       string            `yaml:"fqdn"`
	Port       uint32            `yaml:"port"`
	Scheme     string            `yaml:"scheme"`
	Headers    map[string]string `yaml:"headers"`
	BasicAuth  map[string]string `yaml:"basic-auth"`
	SenderNSID string            `yaml:"sender-ns-id"`
	Paths      struct {
		Join    string `yaml:"join"`
		AppSKey string `yaml:"app-s-key"`
		HomeNS  string `yaml:"home-ns"`
		Rejoin  string `yaml:"rejoin"`
	} `yaml:"paths"`
	Protocol string `yaml:"protocol"`
	TLS      struct {
		RootCA      string `yaml:"root-ca"`
		Source      string `yaml:"source"`
		Certificate string `yaml:"certificate"`
		Key         string `yaml:"key"`
	} `yaml:"tls"`
}

// ChirpStack v3 network server (internal/config): the [join_server] part.
type csV3Config struct {
	JoinServer struct {
		ResolveJoinEUI      bool   `mapstructure:"resolve_join_eui"`
		ResolveDomainSuffix string `mapstructure:"resolve_domain_suffix"`
		Servers             []struct {
			Server       string        `mapstructure:"server"`
			JoinEUI      string        `mapstructure:"join_eui"`
			Async        bool          `mapstructure:"async"`
			AsyncTimeout time.Duration `mapstructure:"async_timeout"`
			CACert       string        `mapstructure:"ca_cert"`
			TLSCert      string        `mapstructure:"tls_cert"`
			TLSKey       string        `mapstructure:"tls_key"`
		} `mapstructure:"servers"`
		Default struct {
			Server  string `mapstructure:"server"`
			CACert  string `mapstructure:"ca_cert"`
			TLSCert string `mapstructure:"tls_cert"`
			TLSKey  string `mapstructure:"tls_key"`
		} `mapstructure:"default"`
		KEK struct {
			Set []struct {
				Label string `mapstructure:"label"`
				KEK   string `mapstructure:"kek"`
			} `mapstructure:"set"`
		} `mapstructure:"kek"`
	} `mapstructure:"join_server"`
}

func pemFile(path, what string) {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%s: %v", what, err)
		return
	}
	if !strings.HasPrefix(string(b), "-----BEGIN ") || !strings.HasSuffix(string(b), "\n") {
		fail("%s (%s) is not a PEM file ending with a newline", what, path)
	}
}

func sameSet(got, want []string) bool {
	a := append([]string(nil), got...)
	b := append([]string(nil), want...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func checkTTS(e expected) {
	v := viper.New()
	v.SetConfigFile(filepath.Join(e.bundle, "the-things-stack", "ttn-lw-stack.yml"))
	if err := v.ReadInConfig(); err != nil {
		fail("tts: ttn-lw-stack.yml: %v", err)
		return
	}
	v.SetConfigFile(filepath.Join(e.bundle, "the-things-stack", "key-vault.yml"))
	if err := v.MergeInConfig(); err != nil {
		fail("tts: key-vault.yml: %v", err)
		return
	}
	var c ttsConfig
	if err := v.Unmarshal(&c); err != nil {
		fail("tts: decode: %v", err)
		return
	}
	interop := c.NS.Interop
	if e.asID != "" {
		// An application server's bundle: as.interop.* only, its AS-ID as as.interop.id.
		interop = c.AS.Interop
		if c.AS.Interop.ID != e.asID {
			fail("tts: as.interop.id is %q, want %s", c.AS.Interop.ID, e.asID)
		}
	} else {
		if !strings.EqualFold(c.NS.NetID, e.netID) || c.NS.NetID == "" {
			fail("tts: ns.net-id is %q, want %s", c.NS.NetID, e.netID)
		}
		if e.nsID != "" && !strings.EqualFold(c.NS.Interop.ID, e.nsID) {
			fail("tts: ns.interop.id is %q, want %s", c.NS.Interop.ID, e.nsID)
		}
	}
	if c.KeyVault.Provider != "static" {
		fail("tts: key-vault.provider is %q", c.KeyVault.Provider)
	}
	// TTS unwraps with the KEKLabel of the JoinAns, which is the registered label, as is.
	key, ok := c.KeyVault.Static[e.label]
	if !ok {
		labels := make([]string, 0, len(c.KeyVault.Static))
		for l := range c.KeyVault.Static {
			labels = append(labels, l)
		}
		fail("tts: key-vault.static has no KEK labelled %q (cryptoutil:key_not_found); it has %v", e.label, labels)
	} else if kek, err := hex.DecodeString(key); err != nil || len(kek) != 16 || !strings.EqualFold(key, e.kek) {
		fail("tts: key-vault.static[%q] is not the registered 16-byte KEK", e.label)
	}
	if interop.ConfigSource != "directory" || !filepath.IsAbs(interop.Directory) {
		fail("tts: interop must be config-source directory with an absolute directory, got %q %q",
			interop.ConfigSource, interop.Directory)
		return
	}
	checkInterop(e, interop.Directory)
}

// file reads name from the fetcher rooted at root with base path elements, as pkg/fetch does; it must stay inside root.
func file(root string, base []string, name string) (string, bool) {
	if filepath.IsAbs(name) {
		fail("tts: %q is absolute: TTS reads interop files from the interop directory", name)
		return "", false
	}
	path := filepath.Join(append(append([]string{root}, base...), name)...)
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		fail("tts: %q (from %v) is outside the interop directory %s", name, base, root)
		return "", false
	}
	if _, err := os.Stat(path); err != nil {
		fail("tts: %v", err)
		return "", false
	}
	return path, true
}

func checkInterop(e expected, root string) {
	b, err := os.ReadFile(filepath.Join(root, "config.yml"))
	if err != nil {
		fail("tts: interop config.yml: %v", err)
		return
	}
	var conf interopConfig
	if err := yaml.UnmarshalStrict(b, &conf); err != nil {
		fail("tts: interop config.yml: %v", err)
		return
	}
	if len(conf.JoinServers) == 0 {
		fail("tts: interop config.yml lists no join server")
	}
	for _, js := range conf.JoinServers {
		// Each entry names one peer's certificate: the NS's for "ns", the AS's for "as" (Joinery tells them apart).
		own, other := "ns", "as"
		if e.asID != "" {
			own, other = "as", "ns"
		}
		if len(js.Components) == 0 || contains(js.Components, other) {
			fail("tts: the entry %s serves the %s with the %s's certificate (Joinery answers unknown_sender)",
				js.File, strings.ToUpper(other), strings.ToUpper(own))
		}
		if !contains(js.Components, own) {
			fail("tts: the entry %s does not serve the %s", js.File, strings.ToUpper(own))
		}
		upper := make([]string, len(js.JoinEUIs))
		for i, p := range js.JoinEUIs {
			upper[i] = strings.ToUpper(p)
		}
		if !sameSet(upper, e.prefixes) {
			fail("tts: join-euis %v, want %v", js.JoinEUIs, e.prefixes)
		}
		els := strings.Split(filepath.ToSlash(js.File), "/")
		base := els[:len(els)-1]
		path, ok := file(root, nil, js.File)
		if !ok {
			continue
		}
		jb, err := os.ReadFile(path)
		if err != nil {
			fail("tts: %v", err)
			continue
		}
		var jc jsConfig
		if err := yaml.UnmarshalStrict(jb, &jc); err != nil {
			fail("tts: %s: %v", js.File, err)
			continue
		}
		port := e.biURL.Port()
		if port == "" {
			port = "443"
		}
		if jc.FQDN != e.biURL.Hostname() || strconv.Itoa(int(jc.Port)) != port {
			fail("tts: %s names %s:%d, want %s:%s", js.File, jc.FQDN, jc.Port, e.biURL.Hostname(), port)
		}
		wantProtocol := "BI1.0"
		if e.nsID != "" && e.asID == "" {
			wantProtocol = "BI1.1"
		}
		if jc.Protocol != wantProtocol {
			fail("tts: %s protocol %q, want %s", js.File, jc.Protocol, wantProtocol)
		}
		for what, name := range map[string]string{"root-ca": jc.TLS.RootCA, "certificate": jc.TLS.Certificate, "key": jc.TLS.Key} {
			if name == "" {
				fail("tts: %s has no tls.%s", js.File, what)
				continue
			}
			if p, ok := file(root, base, name); ok {
				pemFile(p, "tts tls."+what)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkChirpStackV3(e expected) {
	v := viper.New()
	v.SetConfigType("toml")
	f, err := os.Open(filepath.Join(e.bundle, "chirpstack-v3", "chirpstack-network-server.toml"))
	if err != nil {
		fail("chirpstack v3: %v", err)
		return
	}
	defer f.Close()
	if err := v.ReadConfig(f); err != nil {
		fail("chirpstack v3: %v", err)
		return
	}
	var c csV3Config
	if err := v.Unmarshal(&c); err != nil {
		fail("chirpstack v3: decode: %v", err)
		return
	}
	var euis []string
	for _, s := range c.JoinServer.Servers {
		euis = append(euis, strings.ToUpper(s.JoinEUI)+"/64")
		if s.Server != e.biURL.String() {
			fail("chirpstack v3: server %q, want %s", s.Server, e.biURL)
		}
		if e.async && (!s.Async || s.AsyncTimeout <= 0) {
			fail("chirpstack v3: the NS is asynchronous but async=%v async_timeout=%v", s.Async, s.AsyncTimeout)
		}
		for what, p := range map[string]string{"ca_cert": s.CACert, "tls_cert": s.TLSCert, "tls_key": s.TLSKey} {
			if !filepath.IsAbs(p) {
				fail("chirpstack v3: %s %q is not an absolute path", what, p)
			}
			pemFile(p, "chirpstack v3 "+what)
		}
	}
	var exact []string
	for _, p := range e.prefixes {
		if strings.HasSuffix(p, "/64") {
			exact = append(exact, p)
		}
	}
	if !sameSet(euis, exact) {
		fail("chirpstack v3: join_eui entries %v, want %v", euis, exact)
	}
	found := false
	for _, k := range c.JoinServer.KEK.Set {
		if k.Label == e.label && strings.EqualFold(k.KEK, e.kek) {
			found = true
		}
	}
	if !found {
		fail("chirpstack v3: no [[join_server.kek.set]] with label %q and the registered KEK", e.label)
	}
}

func main() {
	var e expected
	var biURL, prefixes string
	flag.StringVar(&e.bundle, "bundle", "", "bundle folder")
	flag.StringVar(&e.netID, "net-id", "", "NetID")
	flag.StringVar(&e.nsID, "ns-id", "", "NSID (BI 1.1)")
	flag.StringVar(&e.asID, "as-id", "", "AS-ID: check an application server's bundle (TTS only)")
	flag.StringVar(&e.label, "kek-label", "", "registered KEK label")
	flag.StringVar(&e.kek, "kek", "", "registered KEK (hex)")
	flag.StringVar(&biURL, "bi-url", "", "public BI URL")
	flag.StringVar(&prefixes, "join-euis", "", "comma-separated JoinEUI prefixes")
	flag.BoolVar(&e.async, "async", false, "the NS is asynchronous")
	flag.Parse()
	u, err := url.Parse(biURL)
	if err != nil || e.bundle == "" {
		fmt.Fprintln(os.Stderr, "usage: bundle-check -bundle DIR -bi-url URL -join-euis P1,P2 -net-id N -kek-label L -kek K")
		os.Exit(2)
	}
	e.biURL = u
	for _, p := range strings.Split(prefixes, ",") {
		if p != "" {
			e.prefixes = append(e.prefixes, strings.ToUpper(p))
		}
	}
	checkTTS(e)
	if e.asID == "" {
		checkChirpStackV3(e)
	}
	for _, p := range problems {
		fmt.Println("FAIL", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("ok: The Things Stack and ChirpStack v3 files load as those products load them")
}
