package harness

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// quietRedisLogger routes go-redis's internal log lines (dial retries while
// a node is down — expected in a drill) to slog at debug level.
type quietRedisLogger struct{}

// Printf implements go-redis internal.Logging.
func (quietRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, fmt.Sprintf(format, v...), "source", "go-redis")
}

// QuietRedisLogs silences go-redis's own logging (it writes to stderr by
// default). go-redis keeps its logger in a package variable, so this is
// process-wide; redisdrill calls it once at start-up.
func QuietRedisLogs() { redis.SetLogger(quietRedisLogger{}) }
