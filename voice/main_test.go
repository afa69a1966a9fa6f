package voice_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine of the server or of any call outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
