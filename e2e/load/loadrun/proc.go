package loadrun

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// ErrProc is wrapped by errors reading a process's /proc files.
var ErrProc = errors.New("loadrun: cannot read /proc")

// procSample is a process's CPU time (ticks) and resident memory at one moment.
type procSample struct {
	cpuTicks int64
	rssKiB   int64
}

// readProc reads pid's utime+stime and VmRSS; pid 0 means this process.
func readProc(pid int) (procSample, error) {
	dir := "/proc/self"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procSample{}, fmt.Errorf("%w: %w", ErrProc, err)
	}
	ticks, err := parseStatCPU(stat)
	if err != nil {
		return procSample{}, err
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return procSample{}, fmt.Errorf("%w: %w", ErrProc, err)
	}
	return procSample{cpuTicks: ticks, rssKiB: parseStatusRSS(status)}, nil
}

// parseStatCPU returns utime+stime (fields 14 and 15 of /proc/PID/stat). The
// command name (field 2) may hold spaces and parentheses: fields are counted
// from the last ')'.
func parseStatCPU(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: malformed stat", ErrProc)
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state): utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: short stat", ErrProc)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%w: bad utime/stime %q %q", ErrProc, f[11], f[12])
	}
	return ut + st, nil
}

// parseStatusRSS returns VmRSS in KiB from /proc/PID/status (0 if absent).
func parseStatusRSS(status []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func usage(pid int, before, after procSample, calls int) *Usage {
	u := &Usage{
		PID:          pid,
		CPUSeconds:   float64(after.cpuTicks-before.cpuTicks) / clockTicks,
		RSSBeforeKiB: before.rssKiB,
		RSSAfterKiB:  after.rssKiB,
	}
	if pid == 0 {
		u.PID = os.Getpid()
	}
	if calls > 0 {
		u.CPUMsPerCall = u.CPUSeconds * 1000 / float64(calls)
	}
	return u
}
