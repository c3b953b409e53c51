package conf

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// YARN's limits on application tags and types (YarnConfiguration
// APPLICATION_MAX_TAGS, APPLICATION_MAX_TAG_LENGTH and
// APPLICATION_TYPE_LENGTH).
const (
	maxAppTags      = 10
	maxAppTagLength = 100
	maxAppTypeLen   = 20
)

// nonEmpty refuses an empty or blank value.
func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%q is empty: give a value or leave the key out for its default", v)
	}
	return nil
}

// atMostInt32 refuses whole numbers that do not fit 32 bits.
func atMostInt32(v string) error {
	if n, _ := parseInt(v); n > math.MaxInt32 {
		return fmt.Errorf("%q is too large: the largest value accepted is %d", v, math.MaxInt32)
	}
	return nil
}

// positive refuses a number that is not above 0.
func positive(v string) error {
	if f, _ := parseFloat(v); f <= 0 {
		return fmt.Errorf("%q is not a number above 0 (e.g. 0.1, 1.5)", v)
	}
	return nil
}

// port accepts a TCP port, 0 meaning one the operating system chooses.
func port(v string) error {
	if n, _ := parseInt(v); n > 65535 {
		return fmt.Errorf("%q is not a port: use 0 to 65535 (0: the operating system chooses)", v)
	}
	return nil
}

// checkRegexp accepts a regular expression Go compiles.
func checkRegexp(v string) error {
	if _, err := regexp.Compile(v); err != nil {
		return fmt.Errorf("%q is not a regular expression Spindle can use (Go's RE2 syntax: no backreferences or lookaround): %w", v, err)
	}
	return nil
}

// checkMaster accepts spark-submit's masters that Spindle serves.
func checkMaster(v string) error {
	switch v {
	case "yarn":
		return nil
	case "yarn-cluster", "yarn-client":
		return fmt.Errorf("%q is not accepted: use yarn with --deploy-mode %s", v, strings.TrimPrefix(v, "yarn-"))
	}
	if rest, ok := strings.CutPrefix(v, "spindle://"); ok {
		// Several RMs of an HA group, as Spark's spark://h1:p1,h2:p2.
		for _, rm := range strings.Split(rest, ",") {
			if host, p, err := net.SplitHostPort(rm); err != nil || !validHost(host) || !validPort(p) {
				return fmt.Errorf("%q is not spindle://host:port or, for an RM group, spindle://host1:port1,host2:port2 (e.g. spindle://rm.example.com:8032)", v)
			}
		}
		return nil
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

// brokers accepts a comma-separated list of host:port with a port from 1
// to 65535, as Kafka's bootstrap.servers.
func brokers(v string) error {
	list := SplitList(v)
	if len(list) == 0 {
		return fmt.Errorf("%q names no broker: use host:port[,host:port…] (e.g. kafka1:9092,kafka2:9092)", v)
	}
	for _, b := range list {
		host, p, err := net.SplitHostPort(b)
		if err != nil || host == "" || !validPort(p) {
			return fmt.Errorf("broker %q is not host:port with a port from 1 to 65535 (e.g. kafka1:9092)", b)
		}
	}
	return nil
}

// appTags applies YARN's limits to application tags: at most 10, each at
// most 100 ASCII characters.
func appTags(v string) error {
	tags := SplitList(v)
	if len(tags) > maxAppTags {
		return fmt.Errorf("%q has %d tags: YARN allows at most %d", v, len(tags), maxAppTags)
	}
	for _, t := range tags {
		if len(t) > maxAppTagLength {
			return fmt.Errorf("tag %q is %d characters long: YARN allows at most %d", t, len(t), maxAppTagLength)
		}
		if strings.IndexFunc(t, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) }) >= 0 {
			return fmt.Errorf("tag %q is not printable ASCII, which YARN requires", t)
		}
	}
	return nil
}

// appType applies YARN's limit to an application type: 1 to 20
// characters.
func appType(v string) error {
	if err := nonEmpty(v); err != nil {
		return err
	}
	if len(strings.TrimSpace(v)) > maxAppTypeLen {
		return fmt.Errorf("%q is longer than the %d characters YARN allows", v, maxAppTypeLen)
	}
	return nil
}

// noticeWhenTrue returns a Notice that gives msg when a boolean key is true.
func noticeWhenTrue(msg string) func(string) string {
	return func(v string) string {
		if b, err := parseBool(v); err == nil && b {
			return msg
		}
		return ""
	}
}
