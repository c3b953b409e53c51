package submit

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
)

// mib is the size of a MiB in bytes.
const mib = 1 << 20

// parseCount parses a whole number of at least 1, such as a core count.
func parseCount(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a whole number of at least 1 (e.g. 4)", v)
	}
	return n, nil
}

// parseMemoryMB parses a size of at least 1 MiB, a bare number being MiB,
// into MiB, rounding down as Spark does.
func parseMemoryMB(v string) (int64, error) {
	b, err := conf.ParseSize(v, "m")
	if err != nil {
		return 0, err
	}
	if b < mib {
		return 0, fmt.Errorf("%q is not a size of at least 1m (e.g. 512m, 3g; a bare number means MiB)", v)
	}
	return b / mib, nil
}

// parseOverheadMB parses a memory overhead, a bare number being MiB, into
// MiB, rounding down as Spark does.
func parseOverheadMB(v string) (int64, error) {
	b, err := conf.ParseSize(v, "m")
	if err != nil {
		return 0, err
	}
	if b < 0 {
		return 0, fmt.Errorf("%q is not a size of 0 or more (e.g. 384m, 1g; a bare number means MiB)", v)
	}
	return b / mib, nil
}

// parseBool parses true or false in any case, as Spark does.
func parseBool(v string) (bool, error) {
	switch t := strings.TrimSpace(v); {
	case strings.EqualFold(t, "true"):
		return true, nil
	case strings.EqualFold(t, "false"):
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", v)
}

// parseDuration parses a duration, a bare number being milliseconds as for
// Spark's time keys; zeroOK says whether 0 is allowed.
func parseDuration(v string, zeroOK bool) (time.Duration, error) {
	d, err := conf.ParseDuration(v, time.Millisecond)
	if err != nil {
		return 0, err
	}
	if d == 0 && !zeroOK {
		return 0, fmt.Errorf("%q is not a duration of more than 0 (e.g. 500ms, 30s, 5min; a bare number means milliseconds)", v)
	}
	return d, nil
}

// checkValue checks v against t.
func checkValue(t KeyType, v string) error {
	var err error
	switch t {
	case TypeBool:
		_, err = parseBool(v)
	case TypeCount:
		_, err = parseCount(v)
	case TypeMemory:
		_, err = parseMemoryMB(v)
	case TypeOverhead:
		_, err = parseOverheadMB(v)
	case TypeDuration:
		_, err = parseDuration(v, false)
	case TypeWait:
		_, err = parseDuration(v, true)
	case TypeSeconds:
		var d time.Duration
		if d, err = conf.ParseDuration(v, time.Second); err == nil && d == 0 {
			err = fmt.Errorf("%q is not a duration of more than 0 (e.g. 30s, 2min; a bare number means seconds)", v)
		}
	}
	return err
}

// checkMaster checks a master URL.
func checkMaster(v string) error {
	switch v {
	case "yarn":
		return nil
	case "yarn-cluster", "yarn-client":
		return fmt.Errorf("%q is not accepted: use yarn with --deploy-mode %s", v, strings.TrimPrefix(v, "yarn-"))
	}
	if rest, ok := strings.CutPrefix(v, "spindle://"); ok {
		if host, port, err := net.SplitHostPort(rest); err == nil && validHost(host) && validPort(port) {
			return nil
		}
		return fmt.Errorf("%q is not spindle://host:port (e.g. spindle://rm.example.com:8032)", v)
	}
	return fmt.Errorf("%q is not accepted: use yarn, for the RM named by yarn.resourcemanager.address in the configuration directory, or spindle://host:port", v)
}

// validHost reports whether h can be a host name or IP address.
func validHost(h string) bool {
	return h != "" && !strings.ContainsFunc(h, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("/?#@[]\\", r)
	})
}

// validPort reports whether p is a port from 1 to 65535 in decimal.
func validPort(p string) bool {
	n, err := strconv.ParseUint(p, 10, 16)
	return err == nil && n >= 1
}

// checkDeployMode checks a deploy mode.
func checkDeployMode(v string) error {
	if v == "cluster" || v == "client" {
		return nil
	}
	return fmt.Errorf("%q is not a deploy mode: use cluster or client", v)
}
