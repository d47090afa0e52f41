package plan

import (
	"errors"
	"fmt"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// validate compiles the plan and checks it against its own topology
// before anything starts (see session.Plan.Validate): known names, one
// action per step, heal ids that exist, targets that can exist, limits
// that can judge a run. Default step ids are filled in.
func (p *Plan) validate() error {
	for i := range p.Steps {
		if p.Steps[i].ID == "" {
			p.Steps[i].ID = fmt.Sprintf("step-%d", i+1)
		}
	}
	sp, err := p.Session()
	if err != nil {
		return err
	}
	if err := sp.Validate(); err != nil {
		var pe *session.PathError
		if errors.As(err, &pe) {
			return errAt(pe.Path, "%s", pe.Msg)
		}
		return errAt("$", "%v", err)
	}
	return nil
}
