package kafkasource

import (
	"errors"
	"fmt"
	"strings"
)

// Login modules of Kafka's Java client that sasl.jaas.config may name, by
// the end of their class name (shaded copies, such as
// kafkashaded.org.apache.kafka…, end the same way).
const (
	plainLoginModule = ".security.plain.PlainLoginModule"
	scramLoginModule = ".security.scram.ScramLoginModule"
)

// jaasLogin is what Spindle takes from a sasl.jaas.config line.
type jaasLogin struct {
	// scram is true for ScramLoginModule, false for PlainLoginModule.
	scram              bool
	username, password string
}

// parseJAAS reads a Kafka client's sasl.jaas.config value, one JAAS login
// module entry as Kafka's JaasConfig reads it:
//
//	<module class> <flag> [<name>=<value> ...];
//
// with values quoted ("…", backslash escapes) or bare words. The module
// must be Kafka's PlainLoginModule or ScramLoginModule, with username and
// password. Errors never repeat a value, which may be a password.
func parseJAAS(s string) (jaasLogin, error) {
	p := jaasScanner{s: s}
	module := p.word()
	if module == "" {
		return jaasLogin{}, p.fail("a login module class name")
	}
	var login jaasLogin
	switch {
	case strings.HasSuffix(module, plainLoginModule):
	case strings.HasSuffix(module, scramLoginModule):
		login.scram = true
	default:
		return jaasLogin{}, fmt.Errorf("login module %s is not supported: Spindle reads PlainLoginModule and ScramLoginModule (SASL PLAIN and SCRAM); Kerberos (GSSAPI) and OAUTHBEARER are not supported", module)
	}
	switch flag := strings.ToLower(p.word()); flag {
	case "required", "requisite", "sufficient", "optional":
	case "":
		return jaasLogin{}, p.fail("the control flag (required) after the login module")
	default:
		return jaasLogin{}, fmt.Errorf("control flag %q at character %d: want required, requisite, sufficient or optional", flag, p.at)
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat(';') {
			break
		}
		name := p.word()
		if name == "" {
			return jaasLogin{}, p.fail("an option name or ';' at the end of the login module")
		}
		p.space()
		if !p.eat('=') {
			return jaasLogin{}, p.fail(fmt.Sprintf("'=' after option %s", name))
		}
		value, err := p.value()
		if err != nil {
			return jaasLogin{}, fmt.Errorf("option %s: %w", name, err)
		}
		if seen[name] {
			return jaasLogin{}, fmt.Errorf("option %s is given twice", name)
		}
		seen[name] = true
		switch name {
		case "username":
			login.username = value
		case "password":
			login.password = value
		case "tokenauth":
			if login.scram && strings.EqualFold(value, "true") {
				return jaasLogin{}, errors.New("tokenauth=true (delegation tokens) is not supported")
			}
		default:
			return jaasLogin{}, fmt.Errorf("option %s is not supported by Spindle's %s (it reads username and password)", name, module[strings.LastIndexByte(module, '.')+1:])
		}
	}
	p.space()
	if p.at < len(p.s) {
		return jaasLogin{}, fmt.Errorf("text after the login module's ';' at character %d: sasl.jaas.config holds one login module", p.at)
	}
	if login.username == "" || login.password == "" {
		return jaasLogin{}, errors.New("username and password options are required")
	}
	return login, nil
}

// jaasScanner reads a JAAS entry.
type jaasScanner struct {
	s  string
	at int
}

func (p *jaasScanner) space() {
	for p.at < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.at]) >= 0 {
		p.at++
	}
}

func (p *jaasScanner) eat(c byte) bool {
	if p.at < len(p.s) && p.s[p.at] == c {
		p.at++
		return true
	}
	return false
}

// word reads a bare word: letters, digits and . _ $ - : / + characters.
func (p *jaasScanner) word() string {
	p.space()
	start := p.at
	for p.at < len(p.s) {
		c := p.s[p.at]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._$-:/+", c) >= 0 {
			p.at++
			continue
		}
		break
	}
	return p.s[start:p.at]
}

// value reads an option value: a quoted string with backslash escapes, or
// a bare word.
func (p *jaasScanner) value() (string, error) {
	p.space()
	if !p.eat('"') {
		if w := p.word(); w != "" {
			return w, nil
		}
		return "", p.fail("a value")
	}
	var b strings.Builder
	for p.at < len(p.s) {
		c := p.s[p.at]
		p.at++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.at == len(p.s) {
				return "", errors.New("unterminated quoted value")
			}
			e := p.s[p.at]
			p.at++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated quoted value")
}

// fail says what was expected where, without the text there.
func (p *jaasScanner) fail(want string) error {
	if p.at >= len(p.s) {
		return fmt.Errorf("want %s, at the end", want)
	}
	return fmt.Errorf("want %s at character %d", want, p.at)
}
