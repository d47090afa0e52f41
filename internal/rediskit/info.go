package rediskit

import "strings"

// ParseInfo parses INFO / CLUSTER INFO output into key/value pairs.
func ParseInfo(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// ServerVersionOf reads product and version from INFO server fields.
func ServerVersionOf(info map[string]string) (product, version string) {
	if v := info["valkey_version"]; v != "" {
		return "valkey", v
	}
	if v := info["redis_version"]; v != "" {
		return "redis", v
	}
	return "", ""
}
