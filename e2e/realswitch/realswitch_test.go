package realswitch

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// suiteBudget bounds the whole real-switch run: start, build, scenarios, stop.
	suiteBudget = 4*time.Minute + 30*time.Second

	sipAddr         = "127.0.0.1:5080" // vars.xml callforge_sip_ip:callforge_sip_port
	eslAddr         = "127.0.0.1:8021" // vars.xml callforge_esl_ip:callforge_esl_port
	eslPassword     = "ClueCon"        // vars.xml callforge_esl_password
	defaultFSBinary = "/opt/freeswitch/bin/freeswitch"

	loadRate  = 20  // calls/s
	loadLimit = 100 // simultaneous calls at most
	loadCalls = 400 // calls in all

	// userHZ is the unit of utime/stime in /proc/<pid>/stat (USER_HZ, 100 on Linux).
	userHZ = 100
)

// findFreeSWITCH returns the FreeSWITCH binary, installing it from ../shared/freeswitch when this
// machine lets us, or skips (fails in CI when the build is at hand).
func findFreeSWITCH(t *testing.T, root string) string {
	t.Helper()
	shared := os.Getenv("CALLFORGE_SHARED")
	if shared == "" {
		shared = filepath.Join(root, "..", "shared")
	}
	sharedBuild := filepath.Join(shared, "freeswitch")
	_, err := os.Stat(sharedBuild)
	haveShared := err == nil
	inCI := os.Getenv("CI") == "true"

	bin := os.Getenv("FREESWITCH_BIN")
	if bin == "" {
		bin = defaultFSBinary
		if _, err := os.Stat(bin); err != nil && haveShared && os.Geteuid() == 0 {
			t.Logf("FreeSWITCH missing: running e2e/setup/install-freeswitch.sh")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "e2e", "setup", "install-freeswitch.sh"))
			cmd.Env = append(os.Environ(), "CALLFORGE_SHARED="+shared)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("install-freeswitch.sh: %v\n%s", err, out)
			}
		}
	}
	missing := func(what string) {
		msg := fmt.Sprintf("\n*** REAL-SWITCH END-TO-END SUITE NOT RUN: %s.\n"+
			"*** Install it with: sudo e2e/setup/install-freeswitch.sh (needs %s), or set FREESWITCH_BIN.\n", what, sharedBuild)
		fmt.Fprint(os.Stderr, msg)
		if inCI && haveShared {
			t.Fatalf("CI=true and %s is present, so the real-switch suite must run:%s", sharedBuild, msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(bin); err != nil {
		missing("no FreeSWITCH at " + bin)
	}
	for _, tool := range []string{"sipp", "sox", "espeak-ng"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing("no " + tool + " on PATH")
		}
	}
	return bin
}

// lockSuite serialises real-switch runs on this machine (they all need ports 5080, 8021, 8084).
func lockSuite(ctx context.Context, t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "callforge-realswitch.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("lock file: %v", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Fatalf("lock %s: %v", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("another real-switch run holds %s: %v", f.Name(), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// requireFreePorts fails early and clearly when something already listens where the suite must.
func requireFreePorts(t *testing.T, tcp []string, udp []string) {
	t.Helper()
	for _, addr := range tcp {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("tcp %s is in use (a FreeSWITCH or callforge already running?): %v", addr, err)
		}
		l.Close()
	}
	for _, addr := range udp {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatalf("udp %s is in use (a FreeSWITCH already running?): %v", addr, err)
		}
		c.Close()
	}
}

// freeUDPPort returns a loopback UDP port nobody uses right now (even, so that port+1 is RTCP-free too).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if port%2 == 0 && port < 65000 {
			return port
		}
	}
	t.Fatal("no free UDP port")
	return 0
}

// process is a child process the suite started; stop ends it by pid.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan error
}

func startProcess(t *testing.T, name, logPath, dir, bin string, args ...string) *process {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the pid, waits up to 15 s, then SIGKILL.
func (p *process) stop(t *testing.T) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(15 * time.Second):
	}
	t.Errorf("%s (pid %d) ignored SIGTERM for 15 s; killing it", p.name, p.pid())
	_ = p.cmd.Process.Kill()
	<-p.done
}

// cpuSeconds reads utime+stime of a process from /proc/<pid>/stat.
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (utime + stime) / userHZ, nil
}

// waitFor polls check until it returns nil or ctx/limit ends; it returns the last error.
func waitFor(ctx context.Context, limit time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rig is a running FreeSWITCH + callforge pair and what the scenarios need to drive them.
type rig struct {
	root      string
	work      string
	fs        *process
	callforge *process
	esl       *inboundESL
}

func startFreeSWITCH(ctx context.Context, t *testing.T, bin, root, work string) (*process, *inboundESL) {
	t.Helper()
	dirs := map[string]string{}
	for _, d := range []string{"log", "db", "run", "temp", "storage", "cache", "recordings", "sounds"} {
		dirs[d] = filepath.Join(work, "fs", d)
		if err := os.MkdirAll(dirs[d], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dirs["recordings"], "callforge"), 0o755); err != nil {
		t.Fatal(err)
	}
	mk := exec.CommandContext(ctx, "bash", filepath.Join(root, "freeswitch-conf", "make-sounds.sh"), dirs["sounds"])
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make-sounds.sh: %v\n%s", err, out)
	}
	fs := startProcess(t, "freeswitch", filepath.Join(work, "freeswitch.out"), work, bin,
		"-nonat", "-nc", "-nf",
		"-conf", filepath.Join(root, "freeswitch-conf"),
		"-log", dirs["log"], "-db", dirs["db"], "-run", dirs["run"],
		"-temp", dirs["temp"], "-storage", dirs["storage"], "-cache", dirs["cache"],
		"-recordings", dirs["recordings"], "-sounds", dirs["sounds"])

	var esl *inboundESL
	err := waitFor(ctx, 30*time.Second, func() error {
		if fs.exited() {
			return fmt.Errorf("freeswitch exited; see %s", fs.log)
		}
		if esl == nil {
			c, err := dialInboundESL(ctx, eslAddr, eslPassword)
			if err != nil {
				return err
			}
			esl = c
		}
		out, err := esl.api(ctx, "sofia status")
		if err != nil {
			return err
		}
		if !strings.Contains(out, "sip:mod_sofia@"+sipAddr+"\tRUNNING") {
			return fmt.Errorf("profile callforge not running: %q", out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("FreeSWITCH did not come up with freeswitch-conf: %v (log %s)", err, filepath.Join(dirs["log"], "freeswitch.log"))
	}
	t.Cleanup(esl.close)
	if err := esl.subscribeHangups(ctx); err != nil {
		t.Fatal(err)
	}
	return fs, esl
}

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// callforgeBinary builds ./cmd/callforge once per test binary (removed by TestMain), or returns
// $CALLFORGE_E2E_BIN: a callforge built elsewhere (a release binary) instead of this tree's.
func callforgeBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("CALLFORGE_E2E_BIN"); bin != "" {
		return bin
	}
	root := repoRoot(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "callforge-e2e-build-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "callforge")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		build := exec.CommandContext(ctx, "go", "build", "-o", buildBin, "./cmd/callforge")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/callforge: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func startCallforge(ctx context.Context, t *testing.T, root, work string) *process {
	t.Helper()
	bin := callforgeBinary(t)
	listen := "127.0.0.1:8084" // vars.xml callforge_socket
	return startCallforgeAt(ctx, t, bin, listen, root, work)
}

// startCallforgeAt starts callforge listening on listen with the scripts of e2e/scripts and
// waits until it listens.
func startCallforgeAt(ctx context.Context, t *testing.T, bin, listen, root, work string) *process {
	t.Helper()
	cf := startProcess(t, "callforge", filepath.Join(work, "callforge.log"), work, bin,
		"serve", "--listen", listen,
		"--scripts", filepath.Join(root, "e2e", "scripts"),
		"--default-script", "hello",
		"--log-format", "json",
		"--tts-engine", "flite", "--tts-voice", "kal",
		"--data-dir", filepath.Join(work, "data"), "--admin-listen", "127.0.0.1:0", "--api-listen", "off")
	err := waitFor(ctx, 20*time.Second, func() error {
		if cf.exited() {
			return fmt.Errorf("callforge exited; see %s", cf.log)
		}
		return tcpListening(listen)
	})
	if err != nil {
		t.Fatalf("callforge did not listen on %s: %v", listen, err)
	}
	return cf
}

// tcpListening reports (through /proc/net/tcp, without connecting: a probe connection would
// look like a FreeSWITCH that hung up) whether something listens on the IPv4 address addr.
func tcpListening(addr string) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host).To4()
	port, err := strconv.Atoi(portStr)
	if ip == nil || err != nil {
		return fmt.Errorf("not an IPv4 host:port: %q", addr)
	}
	// /proc/net/tcp writes the address as the little-endian hex of the 32-bit word.
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], port)
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == local && f[3] == "0A" { // 0A: TCP_LISTEN
			return nil
		}
	}
	return fmt.Errorf("nothing listens on %s yet", addr)
}

// sippRun is one SIPp invocation of a scenario of e2e/sipp.
type sippRun struct {
	scenario string   // file name in e2e/sipp
	service  string   // the number dialled
	callID   string   // Call-ID prefix, to find the calls' events
	extra    []string // e.g. -r -l -m
}

// sippStats is the last line of SIPp's statistics file.
type sippStats map[string]string

func (s sippStats) int(t *testing.T, name string) int {
	t.Helper()
	v, err := strconv.Atoi(s[name])
	if err != nil {
		t.Fatalf("SIPp statistics %s = %q: %v", name, s[name], err)
	}
	return v
}

func (r *rig) sipp(ctx context.Context, t *testing.T, run sippRun, timeout time.Duration) (sippStats, error) {
	t.Helper()
	dir := filepath.Join(r.work, "sipp-"+run.callID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{sipAddr,
		"-sf", filepath.Join(r.root, "e2e", "sipp", run.scenario),
		"-s", run.service,
		"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)),
		"-cid_str", run.callID + "-%u-%p@%s",
		"-nostdin", "-timeout", strconv.Itoa(int(timeout.Seconds())) + "s",
		"-trace_err", "-trace_stat", "-stf", "stats.csv", "-fd", "1",
	}
	if run.extra == nil {
		args = append(args, "-m", "1", "-l", "1")
	}
	args = append(args, run.extra...)
	ctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sipp", args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	out, runErr := cmd.CombinedOutput()
	if err := os.WriteFile(filepath.Join(dir, "screen.txt"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	stats, statErr := readSIPpStats(filepath.Join(dir, "stats.csv"))
	if runErr != nil {
		errs, _ := filepath.Glob(filepath.Join(dir, "*_errors.log"))
		var detail []byte
		for _, e := range errs {
			b, _ := os.ReadFile(e)
			detail = append(detail, b...)
		}
		return stats, fmt.Errorf("sipp %s: %w (stats %v)\nerrors: %s", strings.Join(args, " "), runErr, stats, tail(detail, 2000))
	}
	return stats, statErr
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func readSIPpStats(path string) (sippStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no statistics line", path)
	}
	stats := sippStats{}
	last := rows[len(rows)-1]
	for i, name := range rows[0] {
		if i < len(last) {
			stats[name] = last[i]
		}
	}
	return stats, nil
}

// expectNoChannels waits until FreeSWITCH has no call left: nothing leaked or stayed parked.
func (r *rig) expectNoChannels(ctx context.Context, t *testing.T) {
	t.Helper()
	err := waitFor(ctx, 15*time.Second, func() error {
		out, err := r.esl.api(ctx, "show channels count")
		if err != nil {
			return err
		}
		if !strings.Contains(out, "\n0 total.") && !strings.HasPrefix(strings.TrimSpace(out), "0 total.") {
			return fmt.Errorf("channels left: %q", strings.TrimSpace(out))
		}
		return nil
	})
	if err != nil {
		t.Errorf("FreeSWITCH still has calls after the scenario: %v", err)
	}
}

// checkVars compares channel variables of a CHANNEL_HANGUP_COMPLETE event.
func checkVars(t *testing.T, ev map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := ev[k]; got != v {
			t.Errorf("%s = %q, want %q (call %s)", k, got, v, ev["variable_sip_call_id"])
		}
	}
}

// adminAddr reads callforge's admin listener address from its log (it listens on port 0).
func adminAddr(logPath string) (string, error) {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		var l struct {
			Admin string `json:"admin_listen"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Admin != "" {
			return l.Admin, nil
		}
	}
	return "", fmt.Errorf("no admin_listen in %s", logPath)
}

// metricValue scrapes one unlabelled metric from callforge's /metrics.
func metricValue(admin, name string) (float64, error) {
	resp, err := noKeepAlive.Get("http://" + admin + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

func httpStatus(url string) (int, error) {
	resp, err := noKeepAlive.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// noKeepAlive scrapes without holding a connection (and a goroutine in callforge) open.
var noKeepAlive = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// placeCall runs one SIPp call of a scenario and returns FreeSWITCH's hangup event for it.
func (r *rig) placeCall(ctx context.Context, t *testing.T, run sippRun, timeout time.Duration) map[string]string {
	t.Helper()
	if _, err := r.sipp(ctx, t, run, timeout); err != nil {
		t.Fatal(err)
	}
	evs, err := r.esl.waitHangups(ctx, run.callID+"-", 1)
	if err != nil {
		t.Fatalf("no hangup event for the call: %v", err)
	}
	return evs[0]
}

// statSize describes a Stat result for an error message.
func statSize(st os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return strconv.FormatInt(st.Size(), 10) + " bytes"
}

// fileContains waits until the file holds needle.
func fileContains(ctx context.Context, path, needle string, limit time.Duration) error {
	return waitFor(ctx, limit, func() error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), needle) {
			return fmt.Errorf("%s has no %q", path, needle)
		}
		return nil
	})
}

// loadFigures is what the load scenario measured.
type loadFigures struct {
	Calls               int     `json:"calls"`
	Failed              int     `json:"failed"`
	WallSeconds         float64 `json:"wall_seconds"`
	CallsPerSecond      float64 `json:"calls_per_second"`
	SIPpCallRate        string  `json:"sipp_call_rate"`
	FreeSWITCHCPUSecond float64 `json:"freeswitch_cpu_seconds"`
	CallforgeCPUSeconds float64 `json:"callforge_cpu_seconds"`
}

// TestRealSwitch drives calls through a real FreeSWITCH and callforge with SIPp.
// Its subtests run in order on one switch: each scenario needs the calls of the others gone.
func TestRealSwitch(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	bin := findFreeSWITCH(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), suiteBudget)
	defer cancel()
	lockSuite(ctx, t)
	requireFreePorts(t, []string{"127.0.0.1:5080", eslAddr, "127.0.0.1:8084", "127.0.0.1:8085"}, []string{"127.0.0.1:5080"})

	// CALLFORGE_E2E_WORKDIR keeps the run's logs, statistics and SIPp traces for a look afterwards.
	work := os.Getenv("CALLFORGE_E2E_WORKDIR")
	if work == "" {
		work = t.TempDir()
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, log := range []string{filepath.Join(work, "callforge.log"), filepath.Join(work, "fs", "log", "freeswitch.log")} {
			if b, err := os.ReadFile(log); err == nil {
				t.Logf("last lines of %s:\n%s", log, tail(b, 4000))
			}
		}
	})
	fs, esl := startFreeSWITCH(ctx, t, bin, root, work)
	r := &rig{root: root, work: work, fs: fs, esl: esl}

	// Before callforge runs: the caller must get a 503 at once, not dead air.
	t.Run("0-callforge-unreachable-503", func(t *testing.T) {
		if _, err := r.sipp(ctx, t, sippRun{scenario: "unreachable-503.xml", service: "hello", callID: "s0"}, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		r.expectNoChannels(ctx, t)
	})

	r.callforge = startCallforge(ctx, t, root, work)

	t.Run("1-answer-play-hangup", func(t *testing.T) {
		cases := []struct {
			name, service, callID string
			want                  map[string]string
		}{
			{"script-named-like-the-number", "hello", "s1a", map[string]string{
				"variable_voice_script": "hello", "variable_e2e_step": "played",
				"variable_sip_hangup_disposition": "send_bye", "variable_hangup_cause": "NORMAL_CLEARING",
			}},
			// A Class 4 routing decision on the real switch: router.js lets the call
			// through, callforge bridges it to the route table's loopback gateway, where
			// the hello script answers, plays and hangs up; then the caller gets the BYE.
			{"route-script-from-the-table", "+15551234567", "s1b", map[string]string{
				"variable_route_script": "router", "variable_originate_disposition": "SUCCESS",
				"variable_sip_hangup_disposition": "send_bye",
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ev := r.placeCall(ctx, t, sippRun{scenario: "answer-play-hangup.xml", service: tc.service, callID: tc.callID}, 30*time.Second)
				checkVars(t, ev, tc.want)
				r.expectNoChannels(ctx, t)
			})
		}
	})

	// A Class 4 refusal on the real switch: router.js throws [604, 'Number on DNC List'] for
	// this number, callforge has FreeSWITCH answer the INVITE with it (respond), and the
	// caller sees 604 with that reason; the channel never reaches the route table.
	t.Run("1c-route-script-refuses-604", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "routing-refused-604.xml", service: "+15550000000", callID: "s1c"}, 20*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_route_script": "router", "variable_sip_hangup_disposition": "send_refuse",
		})
		if got := ev["variable_originate_disposition"]; got != "" {
			t.Errorf("refused call was bridged anyway: originate_disposition %q", got)
		}
		r.expectNoChannels(ctx, t)
	})

	// Class 4 failover on the real switch: the route's first carrier fails with a failover
	// cause (FreeSWITCH's error endpoint), the second is bridged and the hello script answers.
	t.Run("1d-route-fails-over-to-the-next-carrier", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "answer-play-hangup.xml", service: "+15559990000", callID: "s1d"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_route_script": "router", "variable_originate_disposition": "SUCCESS",
			"variable_sip_hangup_disposition": "send_bye",
		})
		for _, want := range []string{`"gateway":"down-carrier","attempt":1,"cause":"NORMAL_TEMPORARY_FAILURE","time"`, `"gateway":"loopback-hello","attempt":2,`} {
			if err := fileContains(ctx, r.callforge.log, want, 10*time.Second); err != nil {
				t.Errorf("callforge log: %v", err)
			}
		}
		r.expectNoChannels(ctx, t)
	})

	// A final cause: the only carrier is busy; no failover, the caller gets 486.
	t.Run("1e-route-busy-486", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "busy-486.xml", service: "+15558880000", callID: "s1e"}, 20*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_route_script": "router", "variable_hangup_cause": "USER_BUSY",
		})
		r.expectNoChannels(ctx, t)
	})

	t.Run("2-ivr-dtmf-rfc2833", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "ivr-dtmf-2833.xml", service: "1000", callID: "s2"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "ivr-demo", "variable_e2e_digits": "123", "variable_e2e_branch": "one",
			"variable_sip_hangup_disposition": "send_bye",
		})
		r.expectNoChannels(ctx, t)
	})

	// ctx.tts and ctx.recordMessage on the real switch: flite speaks, record stops at its
	// 2 s limit, the resolved path and length are FreeSWITCH's own, and the file is there.
	t.Run("2b-tts-and-record-message", func(t *testing.T) {
		// The caller speaks: a 440 Hz tone that caller-speaks.xml streams as PCMU.
		dir := filepath.Join(r.work, "sipp-s2b")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tone := exec.CommandContext(ctx, "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw",
			filepath.Join(dir, "caller.ul"), "synth", "3", "sine", "440", "vol", "0.5")
		if out, err := tone.CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, out)
		}
		ev := r.placeCall(ctx, t, sippRun{scenario: "caller-speaks.xml", service: "voicemail-demo", callID: "s2b"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "voicemail-demo", "variable_e2e_step": "spoken",
			"variable_sip_hangup_disposition": "send_bye", "variable_hangup_cause": "NORMAL_CLEARING",
		})
		secs, err := strconv.ParseFloat(ev["variable_e2e_record_seconds"], 64)
		if err != nil || secs < 1 || secs > 4 {
			t.Errorf("recordMessage resolved seconds %q, want about the 2 s limit", ev["variable_e2e_record_seconds"])
		}
		path := ev["variable_e2e_record_path"]
		want := filepath.Join(r.work, "fs", "recordings", "callforge", "e2e-"+ev["Unique-ID"]+".wav")
		if path != want {
			t.Errorf("recordMessage resolved path %q, want %q", path, want)
		}
		t.Logf("recordMessage: %s s (record_seconds %q, record_ms %q) into %s", ev["variable_e2e_record_seconds"],
			ev["variable_record_seconds"], ev["variable_record_ms"], path)
		// 2 s of 8 kHz 16-bit audio is 32,000 bytes; a WAV header alone is 44.
		if st, err := os.Stat(want); err != nil || st.Size() < 16000 {
			t.Errorf("the recording %s: %v, want a WAV with about 2 s of audio in it", want, statSize(st, err))
		}
		r.expectNoChannels(ctx, t)
	})

	// The other ctx methods through the real switch (e2e/scripts/features.js).
	t.Run("2c-say-bridge-failure-api-execute", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "answer-play-hangup.xml", service: "features", callID: "s2c"}, 30*time.Second)
		// The failed bridge resolves with FreeSWITCH's own disposition, and no B leg.
		disp := ev["variable_originate_disposition"]
		if disp == "" || disp == "SUCCESS" {
			t.Errorf("originate_disposition %q: the bridge to user/9999 should have failed", disp)
		}
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "features",
			"variable_e2e_bridge":   "failed " + disp + " no-b-leg",
			"variable_e2e_year":     strconv.Itoa(time.Now().Year()),
			"variable_e2e_getvar":   "failed " + disp + " no-b-leg",
			"variable_e2e_ran":      "string vars-current",
			"variable_e2e_refused":  "EPERM",
			"variable_hangup_cause": "NORMAL_CLEARING",
		})
		r.expectNoChannels(ctx, t)
	})

	// DTMF as events on the real switch: the first RFC 2833 key stops a 20 s prompt
	// (ctx.on('dtmf') + ctx.stop()), ctx.waitFor collects 123#.
	t.Run("2d-barge-in-dtmf-events", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "ivr-dtmf-2833.xml", service: "barge-in", callID: "s2d"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "barge-in", "variable_e2e_played": "FILE PLAYED",
			"variable_e2e_digits": "123#", "variable_sip_hangup_disposition": "send_bye",
		})
		// The 20 s prompt was cut short by the first key (about 1 s in), not played out:
		// FreeSWITCH's own count of what it played says so.
		if ms, err := strconv.Atoi(ev["variable_playback_ms"]); err != nil || ms <= 0 || ms >= 10000 {
			t.Errorf("playback_ms %q: the 20 s prompt was not stopped by the first key", ev["variable_playback_ms"])
		} else {
			t.Logf("prompt stopped after %d ms", ms)
		}
		r.expectNoChannels(ctx, t)
	})

	t.Run("3-caller-hangs-up-mid-prompt", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "caller-hangup-mid-prompt.xml", service: "long-prompt", callID: "s3"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "long-prompt", "variable_e2e_step": "prompt",
			"variable_sip_hangup_disposition": "recv_bye", "variable_hangup_cause": "NORMAL_CLEARING",
		})
		if err := fileContains(ctx, r.callforge.log, "e2e-mid-prompt-hangup-caught cause=NORMAL_CLEARING", 10*time.Second); err != nil {
			t.Errorf("the script did not see its pending play reject with a HangupError: %v", err)
		}
		r.expectNoChannels(ctx, t)
		if r.callforge.exited() {
			t.Fatalf("callforge exited; see %s", r.callforge.log)
		}
	})

	// ctx.conference on the real switch: the caller hangs up inside the conference and
	// the script's promise resolves (its normal end), with the call down.
	t.Run("3b-conference-caller-leaves", func(t *testing.T) {
		ev := r.placeCall(ctx, t, sippRun{scenario: "caller-hangup-mid-prompt.xml", service: "room", callID: "s3b"}, 30*time.Second)
		checkVars(t, ev, map[string]string{
			"variable_voice_script": "room", "variable_e2e_step": "conference",
			"variable_current_application": "conference", "variable_sip_hangup_disposition": "recv_bye",
		})
		if err := fileContains(ctx, r.callforge.log, "e2e-conference-left result=undefined up=false", 10*time.Second); err != nil {
			t.Errorf("the script's ctx.conference did not resolve when the caller left: %v", err)
		}
		r.expectNoChannels(ctx, t)
	})

	t.Run("4-load", func(t *testing.T) {
		fsCPU0, err1 := cpuSeconds(r.fs.pid())
		cfCPU0, err2 := cpuSeconds(r.callforge.pid())
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		stats, err := r.sipp(ctx, t, sippRun{scenario: "answer-play-hangup.xml", service: "load", callID: "s4", extra: []string{
			"-r", strconv.Itoa(loadRate), "-l", strconv.Itoa(loadLimit), "-m", strconv.Itoa(loadCalls),
		}}, 90*time.Second)
		wall := time.Since(start).Seconds()
		fsCPU1, err1 := cpuSeconds(r.fs.pid())
		cfCPU1, err2 := cpuSeconds(r.callforge.pid())
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		fig := loadFigures{
			Calls: stats.int(t, "SuccessfulCall(C)"), Failed: stats.int(t, "FailedCall(C)"),
			WallSeconds: wall, SIPpCallRate: stats["CallRate(C)"],
			FreeSWITCHCPUSecond: fsCPU1 - fsCPU0, CallforgeCPUSeconds: cfCPU1 - cfCPU0,
		}
		fig.CallsPerSecond = float64(fig.Calls) / wall
		if fig.Failed != 0 || fig.Calls != loadCalls || stats.int(t, "TotalCallCreated") != loadCalls {
			t.Errorf("load: %d successful, %d failed of %d; want all %d successful", fig.Calls, fig.Failed, stats.int(t, "TotalCallCreated"), loadCalls)
		}
		evs, err := esl.waitHangups(ctx, "s4-", loadCalls)
		if err != nil {
			t.Errorf("load: %d of %d calls ended in FreeSWITCH: %v", len(evs), loadCalls, err)
		}
		for _, ev := range evs {
			if ev["variable_voice_script"] != "load" || ev["variable_sip_hangup_disposition"] != "send_bye" {
				t.Errorf("load call %s: voice_script %q, disposition %q: want load, send_bye",
					ev["variable_sip_call_id"], ev["variable_voice_script"], ev["variable_sip_hangup_disposition"])
				break
			}
		}
		r.expectNoChannels(ctx, t)
		t.Logf("load figures: %d calls at %d/s asked (limit %d): %.1f calls/s over %.1f s (SIPp CallRate %s); "+
			"CPU FreeSWITCH %.2f s, callforge %.2f s",
			fig.Calls, loadRate, loadLimit, fig.CallsPerSecond, fig.WallSeconds, fig.SIPpCallRate,
			fig.FreeSWITCHCPUSecond, fig.CallforgeCPUSeconds)
		if path := os.Getenv("CALLFORGE_E2E_REPORT"); path != "" {
			b, _ := json.MarshalIndent(fig, "", "  ")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Errorf("write %s: %v", path, err)
			}
		}
	})

	// FreeSWITCH vanishes (SIGKILL) with calls in the middle of a 20 s prompt: each call's
	// pending play rejects with a HangupError (CONNECTION_LOST) that the script catches,
	// callforge lets go of every call and its goroutines, and keeps running. Last: it
	// leaves the rig without a switch.
	t.Run("5-freeswitch-vanishes", func(t *testing.T) {
		admin, err := adminAddr(r.callforge.log)
		if err != nil {
			t.Fatal(err)
		}
		before, err := metricValue(admin, "go_goroutines")
		if err != nil {
			t.Fatal(err)
		}
		const calls = 5
		dir := filepath.Join(r.work, "sipp-s5")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		sippCtx, cancelSIPp := context.WithTimeout(ctx, 60*time.Second)
		defer cancelSIPp()
		sipp := exec.CommandContext(sippCtx, "sipp", sipAddr,
			"-sf", filepath.Join(r.root, "e2e", "sipp", "answer-play-hangup.xml"), "-s", "long-prompt",
			"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)),
			"-cid_str", "s5-%u-%p@%s", "-nostdin", "-timeout", "40s",
			"-r", "10", "-l", strconv.Itoa(calls), "-m", strconv.Itoa(calls), "-trace_err")
		sipp.Dir = dir
		sipp.WaitDelay = 5 * time.Second
		if err := sipp.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancelSIPp(); _ = sipp.Wait() }() // SIPp's calls fail with the switch gone
		if err := waitFor(ctx, 20*time.Second, func() error {
			n, err := metricValue(admin, "callforge_esl_connections_active")
			if err == nil && n != calls {
				err = fmt.Errorf("%v calls in callforge, want %d", n, calls)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // every call into its prompt
		if err := r.fs.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(ctx, 20*time.Second, func() error {
			active, err1 := metricValue(admin, "callforge_esl_connections_active")
			g, err2 := metricValue(admin, "go_goroutines")
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if active != 0 || g > before+2 {
				return fmt.Errorf("%v calls still open, %v goroutines (%v before the calls)", active, g, before)
			}
			return nil
		}); err != nil {
			t.Fatalf("callforge did not let go of the calls: %v", err)
		}
		b, err := os.ReadFile(r.callforge.log)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "e2e-mid-prompt-hangup-caught cause=CONNECTION_LOST"); n != calls {
			t.Errorf("%d scripts saw their play reject with CONNECTION_LOST, want %d", n, calls)
		}
		if r.callforge.exited() {
			t.Fatalf("callforge exited when FreeSWITCH vanished; see %s", r.callforge.log)
		}
		if code, err := httpStatus("http://" + admin + "/readyz"); err != nil || code != http.StatusOK {
			t.Errorf("/readyz after FreeSWITCH vanished: %d %v, want 200 (ready for it to come back)", code, err)
		}
	})
}
