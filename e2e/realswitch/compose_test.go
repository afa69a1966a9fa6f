package realswitch

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml as `docker compose --profile load` would, with no
// environment of the test machine leaking in.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv([]string{}),
		cli.WithProfiles([]string{"load"}),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return s
}

// flagValue returns the value after flag in a command line ("--listen ADDR" or "--listen=ADDR").
func flagValue(cmd []string, flag string) (string, bool) {
	for i, arg := range cmd {
		if arg == flag && i+1 < len(cmd) {
			return cmd[i+1], true
		}
		if v, ok := strings.CutPrefix(arg, flag+"="); ok {
			return v, true
		}
	}
	return "", false
}

// hasMount reports whether s mounts source (a path relative to the repo, or a volume name) at target.
func hasMount(s types.ServiceConfig, root, source, target string, readOnly bool) bool {
	for _, v := range s.Volumes {
		want := source
		if v.Type == types.VolumeTypeBind {
			want = filepath.Join(root, source)
		}
		if filepath.Clean(v.Source) == want && v.Target == target && v.ReadOnly == readOnly {
			return true
		}
	}
	return false
}

func hasPort(s types.ServiceConfig, target uint32, published, protocol string) bool {
	for _, p := range s.Ports {
		if p.Target == target && p.Published == published && p.Protocol == protocol {
			return true
		}
	}
	return false
}

func TestComposeServices(t *testing.T) {
	t.Parallel()
	p := loadCompose(t)
	names := p.ServiceNames()
	slices.Sort(names)
	if want := []string{"callforge", "freeswitch", "sipp", "sounds"}; !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	if sipp := service(t, p, "sipp"); !slices.Equal(sipp.Profiles, []string{"load"}) {
		t.Errorf("sipp profiles %v: the load run must only start on demand (profile load)", sipp.Profiles)
	}
	for _, name := range []string{"freeswitch", "callforge", "sounds"} {
		if s := service(t, p, name); len(s.Profiles) != 0 {
			t.Errorf("%s has profiles %v; it must start with a plain `docker compose up`", name, s.Profiles)
		}
	}
}

func TestComposeFreeSWITCH(t *testing.T) {
	t.Parallel()
	p := loadCompose(t)
	root := repoRoot(t)
	fs := service(t, p, "freeswitch")
	if fs.Build != nil || !strings.HasPrefix(fs.Image, "ghcr.io/patrickbaus/freeswitch-docker:v1.10.") {
		t.Errorf("freeswitch image %q (build %v): want a pinned public FreeSWITCH 1.10 image", fs.Image, fs.Build)
	}
	if !hasMount(fs, root, "freeswitch-conf", "/etc/freeswitch", true) {
		t.Errorf("freeswitch must mount ./freeswitch-conf read-only at /etc/freeswitch: %+v", fs.Volumes)
	}
	if !hasMount(fs, root, "sounds", "/usr/share/freeswitch/sounds/callforge", true) {
		t.Errorf("freeswitch must mount the sounds volume at callforge_user_sounds: %+v", fs.Volumes)
	}
	vars, _ := confVars(t)
	port := vars["callforge_sip_port"]
	for _, proto := range []string{"udp", "tcp"} {
		if !hasPort(fs, 5080, port, proto) || port != "5080" {
			t.Errorf("freeswitch must publish SIP %s/%s (vars.xml callforge_sip_port=%s): %+v", port, proto, port, fs.Ports)
		}
	}
	rtpStart, err1 := strconv.Atoi(vars["callforge_rtp_start"])
	rtpEnd, err2 := strconv.Atoi(vars["callforge_rtp_end"])
	if err := errors.Join(err1, err2); err != nil || rtpEnd <= rtpStart {
		t.Fatalf("vars.xml RTP range %q-%q: %v", vars["callforge_rtp_start"], vars["callforge_rtp_end"], err)
	}
	published := map[uint32]bool{}
	for _, pc := range fs.Ports {
		if pc.Protocol == "udp" && pc.Published == strconv.Itoa(int(pc.Target)) {
			published[pc.Target] = true
		}
	}
	for port := rtpStart; port <= rtpEnd; port++ {
		if !published[uint32(port)] {
			t.Errorf("freeswitch does not publish RTP port %d/udp (vars.xml range %d-%d)", port, rtpStart, rtpEnd)
			break
		}
	}
	net, ok := fs.Networks["voice"]
	if !ok || net == nil || net.Ipv4Address == "" {
		t.Fatalf("freeswitch needs a fixed address on network voice: %+v", fs.Networks)
	}
	_, envOverridable := confVars(t)
	if envOverridable["callforge_sip_ip"] != "$CALLFORGE_SIP_IP" || envOverridable["callforge_trusted_cidr"] != "$CALLFORGE_TRUSTED_CIDR" {
		t.Errorf("vars.xml must let CALLFORGE_SIP_IP and CALLFORGE_TRUSTED_CIDR override the SIP address and trusted network: %v", envOverridable)
	}
	if ip := fs.Environment["CALLFORGE_SIP_IP"]; ip == nil || *ip != net.Ipv4Address {
		t.Errorf("CALLFORGE_SIP_IP %v must be freeswitch's address %s (the SIP profile binds it)", ip, net.Ipv4Address)
	}
}

func TestComposeCallforgeMatchesDialplan(t *testing.T) {
	t.Parallel()
	p := loadCompose(t)
	root := repoRoot(t)
	cf := service(t, p, "callforge")
	if cf.Build == nil || cf.Build.Target != "runtime" || cf.Image != "" && !strings.HasPrefix(cf.Image, "callforge") {
		t.Errorf("callforge must be built from the Dockerfile's runtime stage: build %+v image %q", cf.Build, cf.Image)
	}
	if cf.NetworkMode != "service:freeswitch" {
		t.Errorf("callforge network_mode %q: it must share freeswitch's network namespace so that the "+
			"dialplan's loopback socket address reaches it", cf.NetworkMode)
	}
	vars, envOverridable := confVars(t)
	if _, ok := envOverridable["callforge_socket"]; ok {
		t.Errorf("vars.xml lets the environment override callforge_socket; it must be the one address")
	}
	listen, ok := flagValue(cf.Command, "--listen")
	if !ok {
		t.Fatalf("callforge command %v has no --listen", cf.Command)
	}
	if listen != vars["callforge_socket"] {
		t.Errorf("callforge listens on %q but the dialplan connects to callforge_socket=%q", listen, vars["callforge_socket"])
	}
	scripts, ok := flagValue(cf.Command, "--scripts")
	if !ok || !hasMount(cf, root, filepath.Join("e2e", "scripts"), scripts, true) {
		t.Errorf("callforge --scripts %q must be the read-only mount of ./e2e/scripts: %+v", scripts, cf.Volumes)
	}
	if len(cf.Ports) != 0 {
		t.Errorf("callforge publishes %+v: its socket is for FreeSWITCH only", cf.Ports)
	}
	if _, ok := cf.DependsOn["freeswitch"]; !ok {
		t.Errorf("callforge must depend on freeswitch (it joins its network namespace)")
	}
}

func TestComposeSIPpLoad(t *testing.T) {
	t.Parallel()
	p := loadCompose(t)
	root := repoRoot(t)
	sipp := service(t, p, "sipp")
	fs := service(t, p, "freeswitch")
	cmd := strings.Join(sipp.Command, " ")
	target := fs.Networks["voice"].Ipv4Address + ":5080"
	for _, want := range []string{target, "-sf /sipp/answer-play-hangup.xml", "-s load", "-r ${SIPP_RATE}", "-l ${SIPP_LIMIT}", "-m ${SIPP_CALLS}", "-trace_stat"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("sipp command lacks %q: %s", want, cmd)
		}
	}
	for name, def := range map[string]string{"SIPP_RATE": "20", "SIPP_LIMIT": "100", "SIPP_CALLS": "400"} {
		if v := sipp.Environment[name]; v == nil || *v != def {
			t.Errorf("sipp %s = %v, want default %s", name, v, def)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "scripts", "load.js")); err != nil {
		t.Errorf("the load scenario dials \"load\", so e2e/scripts/load.js must exist: %v", err)
	}
	if sipp.Build == nil || sipp.Build.Target != "sipp" {
		t.Errorf("sipp must be built from the Dockerfile's sipp stage: %+v", sipp.Build)
	}
}

// TestDockerfileRuntimeNonRoot checks the stages compose builds exist and the runtime stage
// runs callforge as a non-root user.
func TestDockerfileRuntimeNonRoot(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stages := map[string]bool{}
	var stage, lastStage, runtimeUser string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			stage = ""
			if len(fields) == 4 && strings.EqualFold(fields[2], "AS") {
				stage = fields[3]
			}
			stages[stage] = true
			lastStage = stage
		case "USER":
			if stage == "runtime" && len(fields) > 1 {
				runtimeUser = fields[1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"build", "sounds", "sipp", "runtime"} {
		if !stages[s] {
			t.Errorf("Dockerfile has no stage %q", s)
		}
	}
	if lastStage != "runtime" {
		t.Errorf("last Dockerfile stage %q: a plain `docker build` must give the runtime image", lastStage)
	}
	user, _, _ := strings.Cut(runtimeUser, ":")
	if user == "" || user == "root" || user == "0" {
		t.Errorf("runtime stage user %q: callforge must run as non-root", runtimeUser)
	}
}
