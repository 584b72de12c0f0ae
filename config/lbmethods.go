package config

import "slices"

// The lbmethod names (mod_lbmethod_byrequests, _bytraffic, _bybusyness);
// package lbmethod implements a method for each.
const (
	LBByRequests = "byrequests"
	LBByTraffic  = "bytraffic"
	LBByBusyness = "bybusyness"
)

// lbMethods is every lbmethod name, in the order the manager offers them.
var lbMethods = [...]string{LBByRequests, LBByTraffic, LBByBusyness}

// LBMethods lists every lbmethod name, in the order the manager offers
// them. The result is a fresh copy the caller owns.
func LBMethods() []string { return slices.Clone(lbMethods[:]) }

// IsLBMethod reports whether name is an lbmethod (exactly as spelled).
func IsLBMethod(name string) bool { return slices.Contains(lbMethods[:], name) }

// LBMethodList is the lbmethod names for messages: "a, b or c".
func LBMethodList() string { return orList(lbMethods[:]) }
