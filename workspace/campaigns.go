package workspace

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/postlive/postlive/models"
)

// decodeCampaigns reads campaigns.<id> of postlive.yaml, keeping campaign
// ids as written. Every problem names its line and column:
//
//	campaigns:
//	  glow-week:
//	    name: GlowLab glow week
//	    streams: [s-2026-11-09-ana, s-2026-11-13-ben]
//	    flat_fee: 150.00
//	    bonuses:
//	      - {revenue_over: 1000, amount: 50}
//	    first_n_bonus: 2.00
func decodeCampaigns(path string, node *yaml.Node, p *problems) []models.CampaignSetting {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	bad := func(n *yaml.Node, format string, a ...any) { p.at(path, n, format, a...) }
	if node.Kind != yaml.MappingNode {
		bad(node, "campaigns is not a map of campaign ids; write campaigns:, then each campaign id on its own line with its keys indented below it")
		return nil
	}
	var out []models.CampaignSetting
	listed := map[string]*yaml.Node{} // stream id → where it is listed
	listedBy := map[string]string{}   // stream id → campaign
	prefixes := map[string]string{}   // prefix → campaign
	for i := 0; i+1 < len(node.Content); i += 2 {
		idNode, body := node.Content[i], node.Content[i+1]
		c := models.CampaignSetting{ID: strings.TrimSpace(idNode.Value)}
		if c.ID == "" {
			bad(idNode, "a campaign id is empty; name the campaign, e.g. glow-week:")
			continue
		}
		key := "campaigns." + c.ID
		if body.Kind != yaml.MappingNode {
			if !(body.Kind == yaml.ScalarNode && body.Tag == "!!null") {
				bad(body, "%s is not a map; give the campaign's keys (%s) indented below its id", key, strings.Join(campaignKeys, ", "))
			}
			out = append(out, c)
			continue
		}
		for j := 0; j+1 < len(body.Content); j += 2 {
			k, val := body.Content[j], body.Content[j+1]
			full := key + "." + k.Value
			switch k.Value {
			case "name":
				if val.Kind != yaml.ScalarNode {
					bad(val, "%s is not text; write the campaign's display name", full)
					continue
				}
				c.Name = strings.TrimSpace(val.Value)
			case "stream_prefix":
				if val.Kind != yaml.ScalarNode || strings.TrimSpace(val.Value) == "" {
					bad(val, "%s is not a stream id prefix; write the start shared by the campaign's stream ids, e.g. s-2026-11-2", full)
					continue
				}
				c.StreamPrefix = strings.TrimSpace(val.Value)
				if other, dup := prefixes[c.StreamPrefix]; dup {
					bad(val, "%s %q is also the stream_prefix of campaign %s; a stream belongs to one campaign, so list its streams instead", full, c.StreamPrefix, other)
					continue
				}
				prefixes[c.StreamPrefix] = c.ID
			case "streams":
				if val.Kind != yaml.SequenceNode {
					bad(val, "%s is not a list; write the stream ids as [s1, s2] or one \"- id\" per line", full)
					continue
				}
				for _, sn := range val.Content {
					id := strings.TrimSpace(sn.Value)
					if sn.Kind != yaml.ScalarNode || id == "" {
						bad(sn, "%s holds an item that is not a stream id", full)
						continue
					}
					if prev, dup := listed[id]; dup {
						if listedBy[id] == c.ID {
							bad(sn, "%s lists stream %s twice (also line %d)", full, id, prev.Line)
						} else {
							bad(sn, "stream %s is listed in campaigns %s (line %d) and %s; a stream belongs to one campaign, remove it from one list", id, listedBy[id], prev.Line, c.ID)
						}
						continue
					}
					listed[id], listedBy[id] = sn, c.ID
					c.Streams = append(c.Streams, id)
				}
			case "flat_fee", "first_n_bonus":
				m, ok := configMoney(val)
				if !ok {
					bad(val, "%s: %q is not an amount; write it like 150.00 (no currency sign; the stream's currency applies)", full, val.Value)
					continue
				}
				if k.Value == "flat_fee" {
					c.FlatFee = m
				} else {
					c.FirstNBonus = m
				}
			case "bonuses":
				if val.Kind != yaml.SequenceNode {
					bad(val, "%s is not a list; write one \"- {revenue_over: 1000, amount: 50}\" per tier", full)
					continue
				}
				seen := map[string]bool{}
				for n, tier := range val.Content {
					where := fmt.Sprintf("%s[%d]", full, n)
					if tier.Kind != yaml.MappingNode {
						bad(tier, "%s is not a tier; write {revenue_over: 1000, amount: 50}", where)
						continue
					}
					var b models.BonusTier
					okTier := true
					for t := 0; t+1 < len(tier.Content); t += 2 {
						tk, tv := tier.Content[t], tier.Content[t+1]
						m, ok := configMoney(tv)
						switch {
						case tk.Value != "revenue_over" && tk.Value != "amount":
							bad(tk, "unknown key %q; a bonus tier takes %s", where+"."+tk.Value, strings.Join(bonusKeys, ", "))
							okTier = false
						case !ok:
							bad(tv, "%s.%s: %q is not an amount; write it like 1000 or 49.50", where, tk.Value, tv.Value)
							okTier = false
						case tk.Value == "revenue_over":
							b.RevenueOver = m
						default:
							b.Amount = m
						}
					}
					if !okTier {
						continue
					}
					if b.RevenueOver == "" || b.Amount == "" {
						bad(tier, "%s needs both revenue_over and amount, like {revenue_over: 1000, amount: 50}", where)
						continue
					}
					if seen[b.RevenueOver] {
						bad(tier, "%s: two tiers of campaign %s start at revenue_over %s; give each tier its own threshold", where, c.ID, b.RevenueOver)
						continue
					}
					seen[b.RevenueOver] = true
					c.Bonuses = append(c.Bonuses, b)
				}
			default:
				bad(k, "unknown key %q; a campaign takes %s", full, strings.Join(campaignKeys, ", "))
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// campaignKeys are the keys of one campaign (campaigns.<id>.*).
var campaignKeys = []string{"name", "streams", "stream_prefix", "flat_fee", "bonuses", "first_n_bonus"}

// bonusKeys are the keys of one performance bonus tier (campaigns.<id>.bonuses[i]).
var bonusKeys = []string{"revenue_over", "amount"}

var moneyText = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// configMoney reads a non-negative amount with at most two decimals, as text.
func configMoney(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	s := strings.TrimSpace(n.Value)
	if !moneyText.MatchString(s) {
		return "", false
	}
	return s, true
}
