package fstest

import (
	"strings"
	"sync"
)

// bridgeRule fails bridges whose dial string contains match.
type bridgeRule struct {
	match, cause string
}

// bridgeRules holds the per-destination failures of each call (FailBridgeTo).
var bridgeRules sync.Map // *Call -> *callBridgeRules

type callBridgeRules struct {
	mu    sync.Mutex
	rules []bridgeRule
}

// FailBridgeTo makes later bridges whose dial string contains match fail with
// cause (e.g. FailBridgeTo("gateway/carrier-a/", "NORMAL_TEMPORARY_FAILURE")), so
// that a gateway failover can be played: the first matching rule wins, and a
// bridge no rule matches follows FailBridge. Safe for concurrent use.
func (c *Call) FailBridgeTo(match, cause string) {
	v, loaded := bridgeRules.LoadOrStore(c, &callBridgeRules{})
	rs := v.(*callBridgeRules)
	rs.mu.Lock()
	rs.rules = append(rs.rules, bridgeRule{match: match, cause: cause})
	rs.mu.Unlock()
	if !loaded {
		go func() {
			<-c.Done()
			bridgeRules.Delete(c)
		}()
	}
}

// bridgeFailure returns the cause a bridge to dial fails with ("" = it succeeds).
func (c *Call) bridgeFailure(dial string) string {
	if v, ok := bridgeRules.Load(c); ok {
		rs := v.(*callBridgeRules)
		rs.mu.Lock()
		defer rs.mu.Unlock()
		for _, r := range rs.rules {
			if strings.Contains(dial, r.match) {
				return r.cause
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failBridge
}
