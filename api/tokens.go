package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"os"
	"strings"
)

// TokensEnv is the environment variable that may hold the API's bearer tokens
// (one per line, or separated by commas or spaces).
const TokensEnv = "CALLFORGE_API_TOKENS"

// LoadTokens reads bearer tokens from file (one per line; blank lines and lines
// starting with # are skipped) and from env (the value of CALLFORGE_API_TOKENS).
// Either may be empty.
func LoadTokens(file, env string) ([]string, error) {
	var out []string
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("%w: api tokens: %w", ErrBadConfig, err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, line)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%w: api tokens %s: %w", ErrBadConfig, file, err)
		}
	}
	out = append(out, strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })...)
	for _, t := range out {
		if len(t) < 16 {
			return nil, fmt.Errorf("%w: an api token is shorter than 16 characters", ErrBadConfig)
		}
	}
	return out, nil
}

// tokenSet checks bearer tokens in constant time: every configured token's hash
// is compared with the presented one's, so neither the match nor its position
// shows in the timing.
type tokenSet struct {
	sums [][sha256.Size]byte
}

func newTokenSet(tokens []string) *tokenSet {
	ts := &tokenSet{}
	for _, t := range tokens {
		ts.sums = append(ts.sums, sha256.Sum256([]byte(t)))
	}
	return ts
}

func (ts *tokenSet) empty() bool { return len(ts.sums) == 0 }

func (ts *tokenSet) valid(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	ok := 0
	for i := range ts.sums {
		ok |= subtle.ConstantTimeCompare(sum[:], ts.sums[i][:])
	}
	return ok == 1
}
