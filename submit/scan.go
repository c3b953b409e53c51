package submit

import (
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/ids"
)

// confArg is one --conf KEY=VALUE.
type confArg struct {
	key, value string
}

// commandLine is a command line split into its parts, before precedence.
type commandLine struct {
	// action is what the command line asks for.
	action Action
	// flagValues maps the long name of each honoured flag that sets a key
	// to its last value.
	flagValues map[string]string
	// confs are the --conf arguments in order.
	confs []confArg
	// propertiesFile is --properties-file, or "".
	propertiesFile string
	// loadDefaults is --load-spark-defaults.
	loadDefaults bool
	// confDir is --conf-dir, if confDirSet.
	confDir    string
	confDirSet bool
	// verbose is --verbose.
	verbose bool
	// appID is the argument of --kill or --status.
	appID string
	// application is the first argument that is not a flag, if hasApp.
	application string
	hasApp      bool
	// appArgs are the arguments after the application.
	appArgs []string
}

// scan splits args into their parts as spark-submit does: flags until the
// first argument that does not start with "-", which is the application,
// and the application's arguments after it, untouched. --help and
// --version end the scan.
func (p *parser) scan(args []string) (*commandLine, error) {
	cl := &commandLine{flagValues: map[string]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			cl.application, cl.hasApp = arg, true
			cl.appArgs = append([]string{}, args[i+1:]...)
			break
		}
		name, value, hasValue := arg, "", false
		if strings.HasPrefix(arg, "--") {
			name, value, hasValue = strings.Cut(arg, "=")
		}
		spec := flagsByName[name]
		if spec == nil {
			return nil, fmt.Errorf("%w %s: did you mean %s?", ErrUnknownFlag, printable(name), closestFlag(name))
		}
		switch {
		case spec.arg == "" && hasValue:
			return nil, fmt.Errorf("%w: %s takes no value, got %s", ErrUsage, spec.name, printable(arg))
		case spec.arg != "" && !hasValue:
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%w: %s needs a value: %s %s", ErrUsage, printable(name), spec.name, spec.arg)
			}
			i++
			value = args[i]
		}
		if done, err := p.handle(cl, spec, value); err != nil || done {
			return cl, err
		}
	}
	if err := checkCommandLine(cl); err != nil {
		return nil, err
	}
	return cl, nil
}

// handle records one flag. It returns done for a flag that ends the scan.
func (p *parser) handle(cl *commandLine, spec *flagSpec, value string) (done bool, err error) {
	if spec.ignored != "" {
		p.warn(ignoredWarning(spec.name, spec.ignored))
		return false, nil
	}
	switch spec.name {
	case flagHelp:
		cl.action = ActionHelp
		return true, nil
	case flagVersion:
		cl.action = ActionVersion
		return true, nil
	case flagVerbose:
		cl.verbose = true
	case flagConf:
		key, val, ok := strings.Cut(value, "=")
		if !ok {
			return false, fmt.Errorf("%w: --conf %q has no \"=\": use --conf KEY=VALUE", ErrUsage, value)
		}
		if key == "" {
			return false, fmt.Errorf("%w: --conf %q has no key: use --conf KEY=VALUE", ErrUsage, value)
		}
		cl.confs = append(cl.confs, confArg{key: key, value: val})
	case flagPropertiesFile:
		if value == "" {
			return false, fmt.Errorf("%w: --properties-file needs a file name: --properties-file FILE", ErrUsage)
		}
		cl.propertiesFile = value
	case flagLoadSparkDefaults:
		cl.loadDefaults = true
	case flagConfDir:
		cl.confDir, cl.confDirSet = value, true
	case flagKill, flagStatus:
		action := map[string]Action{flagKill: ActionKill, flagStatus: ActionStatus}[spec.name]
		if cl.action != ActionSubmit {
			return false, fmt.Errorf("%w: --kill and --status are different actions: give one of them, once", ErrUsage)
		}
		if _, err := ids.ParseApplicationID(value); err != nil {
			return false, fmt.Errorf("%w: %s %q is not an application id: use application_<clusterTimestamp>_<seq>, e.g. application_1700000000000_0001", ErrInvalidValue, spec.name, value)
		}
		cl.action, cl.appID = action, value
	case flagSupervise:
		cl.flagValues[spec.name] = "true"
	default:
		cl.flagValues[spec.name] = value
	}
	return false, nil
}

// checkCommandLine checks that the action and the application agree.
func checkCommandLine(cl *commandLine) error {
	switch {
	case cl.action == ActionSubmit && !cl.hasApp:
		return fmt.Errorf("%w: give the job binary's path after the flags, e.g. spindle submit --master yarn ./myjob ARGS (see --help)", ErrNoApplication)
	case cl.action == ActionSubmit && cl.application == "":
		return fmt.Errorf("%w: the job binary's path is empty", ErrNoApplication)
	case cl.action != ActionSubmit && cl.hasApp:
		return fmt.Errorf("%w: %s needs no job binary, got %s", ErrUsage, actionFlag(cl.action), printable(cl.application))
	}
	return nil
}

// actionFlag names the flag that asks for a.
func actionFlag(a Action) string {
	if a == ActionKill {
		return flagKill
	}
	return flagStatus
}
