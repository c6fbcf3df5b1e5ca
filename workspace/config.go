package workspace

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/reports/email"
)

// Config is postlive.yaml after its defaults and the POSTLIVE_* overrides.
// Every key is in keys (keys.go) and in docs/configuration.md.
type Config struct {
	Source     string // the file read, or "defaults" without postlive.yaml
	SaltSource string // where the salt came from: pii.salt or .postlive/salt

	AttributionWindow   time.Duration
	DuplicateWindow     time.Duration
	StreamParam         string
	BotPatterns         []string
	Salt                string
	Currency            string
	TimeZones           map[string]string // format → IANA zone
	Currencies          map[string]string // format → ISO 4217 code
	Decimals            map[string]string // format → "." or ","
	DefaultMerchant     string
	Experiments         map[string]Experiment // by id, as written
	CommissionRates     map[string]float64    // merchant id (as written) → rate
	LeakAfter           time.Duration
	LeakMinRedemptions  int
	LeakShare           float64
	PriorSD             float64 // decision.prior_sd
	PriorMinExperiments int     // decision.prior_min_experiments
	Threads             int
	MemoryLimit         int64 // duckdb.memory_limit in bytes, 0 = none; Memory shares it
	PayoutCloseAfter    time.Duration
	Campaigns           []models.CampaignSetting
	DisclosurePhrases   []string
	DisclosureWithin    time.Duration
	MinMinutes          map[string]float64 // platform → minutes
	Email               Email
	URLParams           []string         // pii.url_params
	MaxRecordBytes      int              // import.max_record_bytes
	Plausible           ingest.Plausible // import.earliest, import.latest_ahead, import.max_stream_length
}

// Experiment is the configuration of one experiment (experiments.<id>).
type Experiment struct {
	Control        string
	PrimaryMetric  string
	PlannedStreams int
	Alpha          float64
	Allocation     map[string]float64 // variant → planned weight; nil: an even split
}

// Email is the email: section: how to reach the SMTP server, the sender,
// and the addresses of the affiliates.
type Email struct {
	SMTP       email.SMTP
	From       string
	To         map[string][]string // affiliate id → addresses, as written
	MaxStreams int
}

// ConfigError lists every problem of a configuration: each names the file,
// line and column — or the environment variable — and says what to do.
// It is a usage error (exit status 2).
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string { return strings.Join(e.Problems, "\n") }

// problems collects what is wrong with a configuration.
type problems struct{ list []string }

func (p *problems) add(format string, a ...any) { p.list = append(p.list, fmt.Sprintf(format, a...)) }

// at adds a problem of the YAML node n.
func (p *problems) at(path string, n *yaml.Node, format string, a ...any) {
	p.add("%s:%d:%d: %s", path, n.Line, n.Column, fmt.Sprintf(format, a...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ConfigError{Problems: p.list}
}

// newConfig is the configuration of defaults only.
func newConfig() *Config {
	c := &Config{
		Source: "defaults", TimeZones: map[string]string{}, Currencies: map[string]string{}, Decimals: map[string]string{},
		Experiments: map[string]Experiment{}, CommissionRates: map[string]float64{}, MinMinutes: map[string]float64{},
		Email: Email{To: map[string][]string{}},
	}
	for _, k := range keys {
		if k.def == "" || k.set == nil || strings.Contains(k.name, "<id>") {
			continue // experiments.<id>.*: set for each experiment (defaultExperiment)
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(k.def), &n); err != nil {
			panic(fmt.Sprintf("workspace: default of %s: %v", k.name, err))
		}
		v := n.Content[0]
		if v.Kind == yaml.MappingNode { // the default entries of a user-named key
			for i := 0; i+1 < len(v.Content); i += 2 {
				if err := k.set(c, v.Content[i].Value, valueOf(v.Content[i+1])); err != nil {
					panic(fmt.Sprintf("workspace: default of %s: %v", k.name, err))
				}
			}
			continue
		}
		if err := k.set(c, "", valueOf(v)); err != nil {
			panic(fmt.Sprintf("workspace: default of %s: %v", k.name, err))
		}
	}
	return c
}

// defaultExperiment is an experiment's settings before postlive.yaml
// names any: the defaults of experiments.<id>.*.
func defaultExperiment() Experiment {
	c := &Config{Experiments: map[string]Experiment{}}
	for _, k := range keys {
		if strings.HasPrefix(k.name, "experiments.<id>.") && k.def != "" {
			if err := k.set(c, "", value{text: k.def}); err != nil {
				panic(fmt.Sprintf("workspace: default of %s: %v", k.name, err))
			}
		}
	}
	return c.Experiments[""]
}

// valueOf reads a YAML scalar or sequence as a value.
func valueOf(n *yaml.Node) value {
	if n.Kind == yaml.SequenceNode {
		v := value{list: true, items: []string{}}
		for _, it := range n.Content {
			if s := strings.TrimSpace(it.Value); s != "" {
				v.items = append(v.items, s)
			}
		}
		return v
	}
	text := n.Value
	if n.Tag == "!!null" {
		text = ""
	}
	return value{text: text, items: splitList(text)}
}

// splitList splits a comma-separated value, dropping empty items.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// keyNode is a level of the key table as a tree: postlive.yaml is walked
// along it.
type keyNode struct {
	children map[string]*keyNode // fixed names
	any      *keyNode            // a user-named level (<format>, <id>, …)
	anyName  string              // its name: format, merchant_id, …
	key      *key                // a setting ends here
}

func keyTree() *keyNode {
	root := &keyNode{children: map[string]*keyNode{}}
	for i := range keys {
		n := root
		for _, seg := range strings.Split(keys[i].name, ".") {
			if strings.HasPrefix(seg, "<") {
				if n.any == nil {
					n.any = &keyNode{children: map[string]*keyNode{}}
					n.anyName = strings.Trim(seg, "<>")
				}
				n = n.any
				continue
			}
			if n.children[seg] == nil {
				n.children[seg] = &keyNode{children: map[string]*keyNode{}}
			}
			n = n.children[seg]
		}
		n.key = &keys[i]
	}
	return root
}

// decodeFile reads postlive.yaml (its text raw, at path) into c: one YAML
// decode, walked along the key table; every problem is collected.
func decodeFile(c *Config, path string, raw []byte, p *problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		p.add("%s: %s; check the indentation and quoting (docs/configuration.md has an example)", path, strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Tag != "!!null" {
			p.at(path, root, "postlive.yaml is not a map of keys; write one key per line, like attribution:")
		}
		return
	}
	walkFile(c, path, root, keyTree(), "", "", p)
}

// walkFile reads the mapping n found at the dotted name prefix, whose level
// of the key table is kn; id is the user-named segment met on the way.
func walkFile(c *Config, path string, n *yaml.Node, kn *keyNode, prefix, id string, p *problems) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		kNode, vNode := n.Content[i], n.Content[i+1]
		name, childID := kNode.Value, id
		child := kn.children[name]
		if child == nil && kn.any != nil {
			child, childID = kn.any, name
		}
		full := prefix + name
		switch {
		case full == "campaigns":
			c.Campaigns = decodeCampaigns(path, vNode, p)
		case child == nil:
			p.at(path, kNode, "unknown key %q; %s", full, suggest(full))
		case child.key != nil:
			setFile(c, path, full, child.key, childID, vNode, p)
		case vNode.Kind == yaml.MappingNode:
			if child == kn.any && strings.HasPrefix(full, "experiments.") {
				if _, ok := c.Experiments[childID]; !ok {
					c.Experiments[childID] = defaultExperiment()
				}
			}
			walkFile(c, path, vNode, child, full+".", childID, p)
		case vNode.Tag == "!!null":
			if child == kn.any && strings.HasPrefix(full, "experiments.") {
				c.Experiments[childID] = defaultExperiment()
			}
		case child.any != nil:
			p.at(path, vNode, "%s must map %ss to values, each on its own line indented below it (docs/configuration.md)", full, strings.ReplaceAll(child.anyName, "_", " "))
		default:
			p.at(path, vNode, "%s is not a map; write its keys indented below it (docs/configuration.md)", full)
		}
	}
}

// setFile reads the value node of one key.
func setFile(c *Config, path, full string, k *key, id string, n *yaml.Node, p *problems) {
	switch {
	case n.Kind == yaml.MappingNode:
		p.at(path, n, "%s: is a map; write a single value", full)
		return
	case n.Kind == yaml.SequenceNode && !k.list:
		p.at(path, n, "%s: is a list; write a single value", full)
		return
	}
	if err := k.set(c, id, valueOf(n)); err != nil {
		p.at(path, n, "%s: %v", full, err)
	}
}

// applyEnv applies the POSTLIVE_* variables of environ; an unknown variable
// or a bad value is a problem naming the variable.
func applyEnv(c *Config, environ []string, p *problems) {
	sort.Strings(environ)
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "POSTLIVE_") {
			continue
		}
		if _, ok := otherVariables[name]; ok {
			continue
		}
		k, id, ok := envKey(name)
		switch {
		case !ok:
			p.add("%s: no such setting; %s", name, suggestEnv(name))
		case k == nil:
			p.add("%s: %s is set in postlive.yaml only (its ids keep their case there); remove the variable", name, id)
		default:
			v := value{text: val, items: splitList(val), list: k.list}
			if err := k.set(c, id, v); err != nil {
				p.add("%s (%s): %v", name, keyName(k, id), err)
			}
		}
	}
}

// keyName is the name of a key with its user-named segment filled in
// (time_zones.<format>, tiktok-ads → time_zones.tiktok-ads).
func keyName(k *key, id string) string {
	before, after, ok := strings.Cut(k.name, "<")
	if !ok {
		return k.name
	}
	_, rest, _ := strings.Cut(after, ">")
	return before + id + rest
}

// envVar is the variable of a key without a user-named segment.
func envVar(k *key) string {
	return "POSTLIVE_" + strings.ToUpper(strings.ReplaceAll(k.name, ".", "_"))
}

// envPrefix is the variable prefix of a key with a user-named segment
// (time_zones.<format> → POSTLIVE_TIME_ZONES_).
func envPrefix(k *key) string {
	return "POSTLIVE_" + strings.ToUpper(strings.ReplaceAll(k.name[:strings.Index(k.name, "<")], ".", "_"))
}

// envKey finds the key a variable sets, and the id it names. A variable of
// a key set in the file only returns a nil key and the key's name.
func envKey(name string) (*key, string, bool) {
	for i := range keys {
		k := &keys[i]
		if !strings.Contains(k.name, "<") {
			if envVar(k) == name && k.set != nil {
				return k, "", true
			}
			continue
		}
		tail, ok := strings.CutPrefix(name, envPrefix(k))
		if !ok || tail == "" {
			continue
		}
		if k.envID == nil || k.set == nil {
			return nil, k.name[:strings.Index(k.name, ".<")], true
		}
		return k, k.envID(tail), true
	}
	return nil, "", false
}

// suggest names the closest key to an unknown one.
func suggest(full string) string {
	best, dist := "", 4
	for _, k := range keys {
		if d := editDistance(full, k.name); d < dist {
			best, dist = k.name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q? (docs/configuration.md lists the keys)", best)
	}
	return "see docs/configuration.md for the keys"
}

// suggestEnv names the closest variable to an unknown one.
func suggestEnv(name string) string {
	best, dist := "", 4
	for i := range keys {
		k := &keys[i]
		cand := envVar(k)
		if strings.Contains(k.name, "<") {
			if k.envID == nil {
				continue
			}
			cand = envPrefix(k) + "…"
		}
		if d := editDistance(name, cand); d < dist {
			best, dist = cand, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s? (docs/configuration.md lists the variables)", best)
	}
	return "docs/configuration.md lists the variables (POSTLIVE_ and the key in upper case, dots as underscores)"
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validate checks what no single key can: settings that only make sense
// together.
func (c *Config) validate(p *problems) {
	if c.Email.SMTP.User == "" && c.Email.SMTP.Password != "" {
		p.add("email.smtp.password is set but email.smtp.user is not; set the user too")
	}
}

// readConfig reads postlive.yaml at path (optional) and the environment.
func readConfig(path string, environ []string) (*Config, error) {
	c := newConfig()
	var p problems
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", path, err)
	default:
		c.Source = path
		decodeFile(c, path, raw, &p)
	}
	applyEnv(c, environ, &p)
	c.validate(&p)
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i] < p.list[j] })
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}
