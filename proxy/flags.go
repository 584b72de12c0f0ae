package proxy

import "balancer/config"

// Status flags of a member: config's, as the word the runtime keeps.
const (
	FlagDisabled     = uint32(config.FlagDisabled)
	FlagStopped      = uint32(config.FlagStopped)
	FlagIgnoreErrors = uint32(config.FlagIgnoreErrors)
	FlagHotStandby   = uint32(config.FlagHotStandby)
	FlagDrain        = uint32(config.FlagDrain)
	FlagError        = uint32(config.FlagError)
	FlagHealthFailed = uint32(config.FlagHealthFailed)
)

// ParseFlags turns configured status names into admin flags; unknown names
// are reported.
func ParseFlags(names []string) (uint32, []string) {
	f, unknown := config.ParseStatus(names)
	return uint32(f), unknown
}

// FlagNames lists the names of the flags set in f, in a fixed order.
func FlagNames(f uint32) []string { return config.Flag(f).Names() }
