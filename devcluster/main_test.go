package devcluster

import (
	"os"
	"testing"

	"github.com/spindlehq/spindle/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}
