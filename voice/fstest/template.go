package fstest

import (
	"sort"
	"strconv"
	"sync/atomic"
)

// Header values below are those of the real FreeSWITCH 1.10.12 in shared/esl-traces
// (trace 01), with the call's own identity substituted.

const coreUUID = "bc869f79-d50b-4d4b-a3e0-761ae69834a5"

var coreSegment = newSegment([]kv{
	{"Core-UUID", coreUUID},
	{"FreeSWITCH-Hostname", "vm"},
	{"FreeSWITCH-Switchname", "vm"},
	{"FreeSWITCH-IPv4", "192.0.2.2"},
	{"FreeSWITCH-IPv6", "fd00::2"},
})

// eventSeq is FreeSWITCH's global Event-Sequence: increasing across every call.
var eventSeq atomic.Int64

func init() { eventSeq.Store(35000) }

// callingSegments holds Event-Calling-File/Function/Line-Number per event name.
var callingSegments = map[string]segment{}

func init() {
	for _, c := range [][4]string{
		{"CHANNEL_DATA", "mod_event_socket.c", "parse_command", "2021"},
		{"CHANNEL_EXECUTE", "switch_core_session.c", "switch_core_session_exec", "2944"},
		{"CHANNEL_EXECUTE_COMPLETE", "switch_core_session.c", "switch_core_session_exec", "2967"},
		{"CHANNEL_ANSWER", "switch_channel.c", "switch_channel_perform_mark_answered", "3846"},
		{"CHANNEL_PROGRESS_MEDIA", "switch_channel.c", "switch_channel_perform_mark_pre_answered", "3645"},
		{"DTMF", "switch_channel.c", "switch_channel_dequeue_dtmf", "677"},
		{"CHANNEL_HANGUP", "switch_channel.c", "switch_channel_perform_hangup", "3445"},
		{"CHANNEL_UNPARK", "switch_ivr.c", "switch_ivr_park", "1213"},
		{"CHANNEL_PARK", "switch_ivr.c", "switch_ivr_park", "1002"},
		{"CHANNEL_STATE", "switch_channel.c", "switch_channel_perform_set_running_state", "2408"},
		{"CHANNEL_HANGUP_COMPLETE", "switch_core_state_machine.c", "switch_core_session_reporting_state", "943"},
		{"CHANNEL_BRIDGE", "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1689"},
		{"CHANNEL_UNBRIDGE", "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1879"},
		{"BACKGROUND_JOB", "mod_event_socket.c", "api_exec", "1572"},
	} {
		callingSegments[c[0]] = newSegment([]kv{
			{"Event-Calling-File", c[1]}, {"Event-Calling-Function", c[2]}, {"Event-Calling-Line-Number", c[3]},
		})
	}
}

// callTemplate is the static part of one call's headers, built once per call.
type callTemplate struct {
	chanID      segment // Channel-Name .. Channel-Call-UUID (after the state headers)
	codecs      segment
	callerHead  segment // Caller-Direction .. Caller-Channel-Created-Time
	callerTail  segment // Caller-Screen-Bit .. Caller-Privacy-Hide-Number
	chanDataDup segment // Channel-Direction .. Channel-Channel-Created-Time (connect reply only)
}

var sessionCounter atomic.Int64

func init() { sessionCounter.Store(1000) }

func buildTemplate(uuid, dest, cidNum, cidName, context, channelName string, createdMicro int64) *callTemplate {
	t := &callTemplate{}
	t.chanID = newSegment([]kv{
		{"Channel-Name", channelName},
		{"Unique-ID", uuid},
		{"Call-Direction", "inbound"},
		{"Presence-Call-Direction", "inbound"},
		{"Channel-HIT-Dialplan", "true"},
		{"Channel-Call-UUID", uuid},
	})
	t.codecs = newSegment([]kv{
		{"Channel-Read-Codec-Name", "PCMA"},
		{"Channel-Read-Codec-Rate", "8000"},
		{"Channel-Read-Codec-Bit-Rate", "64000"},
		{"Channel-Write-Codec-Name", "PCMA"},
		{"Channel-Write-Codec-Rate", "8000"},
		{"Channel-Write-Codec-Bit-Rate", "64000"},
	})
	profile := func(prefix string, created string) []kv {
		return []kv{
			{prefix + "Direction", "inbound"},
			{prefix + "Logical-Direction", "inbound"},
			{prefix + "Username", cidNum},
			{prefix + "Dialplan", "XML"},
			{prefix + "Caller-ID-Name", cidName},
			{prefix + "Caller-ID-Number", cidNum},
			{prefix + "Orig-Caller-ID-Name", cidName},
			{prefix + "Orig-Caller-ID-Number", cidNum},
			{prefix + "Network-Addr", "127.0.0.1"},
			{prefix + "ANI", cidNum},
			{prefix + "Destination-Number", dest},
			{prefix + "Unique-ID", uuid},
			{prefix + "Source", "mod_sofia"},
			{prefix + "Context", context},
			{prefix + "Channel-Name", channelName},
			{prefix + "Profile-Index", "1"},
			{prefix + "Profile-Created-Time", created},
			{prefix + "Channel-Created-Time", created},
		}
	}
	created := strconv.FormatInt(createdMicro, 10)
	t.callerHead = newSegment(profile("Caller-", created))
	t.chanDataDup = newSegment(profile("Channel-", created))
	t.callerTail = newSegment([]kv{
		{"Caller-Screen-Bit", "true"},
		{"Caller-Privacy-Hide-Name", "false"},
		{"Caller-Privacy-Hide-Number", "false"},
	})
	return t
}

// initialVars returns the channel variables FreeSWITCH has when the socket app
// starts, in FreeSWITCH's order, followed by the test's own variables.
func initialVars(uuid, dest, cidNum, cidName, channelName, engineAddr string, createdMicro int64, extra map[string]string) []kv {
	sid := strconv.FormatInt(sessionCounter.Add(1), 10)
	stamp := strconv.FormatInt(createdMicro, 10)
	vars := []kv{
		{"direction", "inbound"},
		{"uuid", uuid},
		{"session_id", sid},
		{"sip_from_user", cidNum},
		{"sip_from_port", "5070"},
		{"sip_from_uri", cidNum + "@127.0.0.1:5070"},
		{"sip_from_host", "127.0.0.1"},
		{"video_media_flow", "disabled"},
		{"text_media_flow", "disabled"},
		{"channel_name", channelName},
		{"sip_call_id", sid + "-sim@127.0.0.1"},
		{"sip_local_network_addr", "127.0.0.1"},
		{"sip_network_ip", "127.0.0.1"},
		{"sip_network_port", "5070"},
		{"sip_invite_stamp", stamp},
		{"sip_received_ip", "127.0.0.1"},
		{"sip_received_port", "5070"},
		{"sip_via_protocol", "udp"},
		{"sip_from_user_stripped", cidNum},
		{"sip_from_tag", sid + "SIPpTag001"},
		{"sofia_profile_name", "external"},
		{"sofia_profile_url", "sip:mod_sofia@127.0.0.1:5080"},
		{"recovery_profile_name", "external"},
		{"sip_full_via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-" + sid + "-1-0"},
		{"sip_from_display", cidName},
		{"sip_full_from", "\"" + cidName + "\" <sip:" + cidNum + "@127.0.0.1:5070>;tag=" + sid + "SIPpTag001"},
		{"sip_full_to", "<sip:" + dest + "@127.0.0.1:5080>"},
		{"sip_req_user", dest},
		{"sip_req_port", "5080"},
		{"sip_req_uri", dest + "@127.0.0.1:5080"},
		{"sip_req_host", "127.0.0.1"},
		{"sip_to_user", dest},
		{"sip_to_port", "5080"},
		{"sip_to_uri", dest + "@127.0.0.1:5080"},
		{"sip_to_host", "127.0.0.1"},
		{"sip_contact_user", cidNum},
		{"sip_contact_port", "5070"},
		{"sip_contact_uri", cidNum + "@127.0.0.1:5070"},
		{"sip_contact_host", "127.0.0.1"},
		{"sip_subject", "ESL trace test"},
		{"sip_via_host", "127.0.0.1"},
		{"sip_via_port", "5070"},
		{"max_forwards", "70"},
		{"switch_r_sdp", "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"},
		{"ep_codec_string", "CORE_PCM_MODULE.PCMA@8000h@20i@64000b"},
		{"rtp_use_codec_string", "PCMA,PCMU"},
		{"remote_video_media_flow", "inactive"},
		{"remote_text_media_flow", "inactive"},
		{"remote_audio_media_flow", "sendrecv"},
		{"audio_media_flow", "sendrecv"},
		{"remote_media_ip", "127.0.0.1"},
		{"remote_media_port", "6000"},
		{"rtp_audio_recv_pt", "8"},
		{"rtp_use_codec_name", "PCMA"},
		{"rtp_use_codec_rate", "8000"},
		{"rtp_use_codec_ptime", "20"},
		{"rtp_use_codec_channels", "1"},
		{"rtp_last_audio_codec_string", "PCMA@8000h@20i@1c"},
		{"read_codec", "PCMA"},
		{"original_read_codec", "PCMA"},
		{"read_rate", "8000"},
		{"original_read_rate", "8000"},
		{"write_codec", "PCMA"},
		{"write_rate", "8000"},
		{"dtmf_type", "rfc2833"},
		{"endpoint_disposition", "RECEIVED"},
		{"DP_MATCH", "ARRAY::" + dest + "|:" + dest},
		{"call_uuid", uuid},
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		vars = append(vars, kv{n, extra[n]})
	}
	host := engineAddr
	if i := lastColon(engineAddr); i >= 0 {
		host = engineAddr[:i]
	}
	vars = append(vars,
		kv{"current_application_data", engineAddr + " async full"},
		kv{"current_application", "socket"},
		kv{"socket_host", host},
	)
	return vars
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}
