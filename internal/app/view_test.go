package app

import managerui "balancer/manager-ui"

type memberView struct {
	Usable  bool
	Elected int64
	Health  managerui.Health
}
