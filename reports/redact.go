package reports

import (
	"reflect"
	"regexp"
	"strings"
	"time"
)

// Redacted replaces every scrubbed secret.
const Redacted = "[REDACTED]"

// secretKey matches map keys (fault params, …) whose values are secrets.
var secretKey = regexp.MustCompile(`(?i)pass|secret|token|auth|credential|private`)

// secretPatterns match secrets embedded in free text: URL userinfo,
// key=value / key: value pairs, redis.conf directives and CLI flags.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(@)`),
	regexp.MustCompile(`(?i)(\b[a-z_-]*(?:password|passwd|pass|secret|token|requirepass|masterauth)["']?\s*[=:]\s*["']?)[^\s"',;&]+`),
	regexp.MustCompile(`(\b(?:(?i:requirepass|masterauth)|AUTH)\s+)(?:"[^"]*"|'[^']*'|\S+)`),
	regexp.MustCompile(`(?i)((?:^|\s)(?:-a|--pass|--password|--user-pass)[ =])\S+`),
}

// secretFlag matches a command-line flag whose next argument is a secret.
var secretFlag = regexp.MustCompile(`^(?:-a|--?(?:pass|password|passwd|requirepass|masterauth|user-pass|secret|token|auth))$`)

// Redact returns a deep copy of run in which every value that could carry a
// password is scrubbed: map entries whose key looks secret (e.g. a fault
// param "requirepass"), secrets inside any string (URLs with userinfo,
// "password=…", "requirepass …", "AUTH …", "-a …", the argument after such a flag), and every occurrence of
// the extra literal secrets given. Writers call it; callers may too.
func Redact(run Run, secrets ...string) Run {
	var lits []string
	for _, s := range secrets {
		if s != "" {
			lits = append(lits, s)
		}
	}
	out := scrub(reflect.ValueOf(run), lits)
	return out.Interface().(Run)
}

// RedactString scrubs secrets from one string (see Redact).
func RedactString(s string, secrets ...string) string {
	for _, lit := range secrets {
		if lit != "" {
			s = strings.ReplaceAll(s, lit, Redacted)
		}
	}
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, "${1}"+Redacted+"${2}")
	}
	return s
}

var timeType = reflect.TypeFor[time.Time]()

// scrub deep-copies v, redacting strings on the way.
func scrub(v reflect.Value, lits []string) reflect.Value {
	t := v.Type()
	switch {
	case t == timeType:
		return v
	case t.Kind() == reflect.String:
		out := reflect.New(t).Elem()
		out.SetString(RedactString(v.String(), lits...))
		return out
	case t.Kind() == reflect.Struct:
		out := reflect.New(t).Elem()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				out.Field(i).Set(scrub(v.Field(i), lits))
			}
		}
		return out
	case t.Kind() == reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			if i > 0 && t.Elem().Kind() == reflect.String && secretFlag.MatchString(v.Index(i-1).String()) {
				out.Index(i).SetString(Redacted) // the value of "--password X" given as two args
				continue
			}
			out.Index(i).Set(scrub(v.Index(i), lits))
		}
		return out
	case t.Kind() == reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k, val := iter.Key(), iter.Value()
			if k.Kind() == reflect.String && val.Kind() == reflect.String && secretKey.MatchString(k.String()) {
				red := reflect.New(val.Type()).Elem()
				red.SetString(Redacted)
				out.SetMapIndex(scrub(k, lits), red)
				continue
			}
			out.SetMapIndex(scrub(k, lits), scrub(val, lits))
		}
		return out
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(scrub(v.Elem(), lits))
		return out
	default:
		return v
	}
}
