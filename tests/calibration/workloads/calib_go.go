// SPDX-License-Identifier: Apache-2.0

// memgate calibration workload for Go: keeps a live heap of LIVE_PERCENT of GOMEMLIMIT and churns
// garbage for SETTLE_SECONDS, so the collector works against the soft limit; exits 0.
//
//	GOMEMLIMIT=600MiB calib_go LIVE_PERCENT SETTLE_SECONDS
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

var sink [][]byte

func main() {
	livePct, _ := strconv.Atoi(os.Args[1])
	settle, _ := strconv.Atoi(os.Args[2])
	limit := debug.SetMemoryLimit(-1)
	if limit == int64(^uint64(0)>>1) {
		fmt.Fprintln(os.Stderr, "calib_go: set GOMEMLIMIT")
		os.Exit(2)
	}
	target := limit / 100 * int64(livePct)
	live := make([][]byte, 0, target/(64<<10)+1)
	for have := int64(0); have < target; have += 64 << 10 {
		b := make([]byte, 64<<10)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		live = append(live, b)
	}
	end := time.Now().Add(time.Duration(settle) * time.Second)
	n := 0
	for time.Now().Before(end) {
		g := make([]byte, 256<<10)
		g[0] = byte(n)
		sink = append(sink, g)
		if len(sink) > 64 {
			sink = sink[:0]
		}
		n++
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("{\"gomemlimit\": %d, \"live_chunks\": %d, \"heap_alloc\": %d, \"sys\": %d, \"num_gc\": %d}\n",
		limit, len(live), ms.HeapAlloc, ms.Sys, ms.NumGC)
	runtime.KeepAlive(live)
	os.Exit(0)
}
