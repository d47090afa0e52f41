package explore

import (
	"encoding/json"
	"path/filepath"

	"github.com/redisdrill/redisdrill/reports"
)

// writeReport writes explore.json and explore.html into the output
// folder; a failure is logged, not returned (the runs' evidence is
// already on disk).
func writeReport(o Options, rep *Report) {
	files := append([]string(nil), rep.Files...)
	rep.Files = append(files, FileReport, FileHTML)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = writeFile(filepath.Join(o.Out, FileReport), append(b, '\n'))
	}
	if err != nil {
		o.say("cannot write " + FileReport + ": " + err.Error())
	}
	html, err := renderHTML(rep)
	if err == nil {
		err = writeFile(filepath.Join(o.Out, FileHTML), html)
	}
	if err != nil {
		o.say("cannot write " + FileHTML + ": " + err.Error())
	}
}

func writeFile(path string, b []byte) error {
	return reports.WriteFileAtomic(path, b)
}
