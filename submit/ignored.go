package submit

// ignoredWarning is the warning for a flag or key that Spindle accepts and
// ignores; reason says what kind of option it is ("a JVM option").
func ignoredWarning(name, reason string) string {
	return "Warning: " + printable(name) + " is " + reason + "; Spindle ignores it."
}
