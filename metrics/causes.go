package metrics

import "github.com/callforge/callforge/voice"

// hangupCauses is FreeSWITCH's list of hang-up causes (switch_cause_t's names),
// plus the causes voice reports itself. A cause outside it is counted as "other".
var hangupCauses = map[string]bool{
	"NONE": true, "UNALLOCATED_NUMBER": true, "NO_ROUTE_TRANSIT_NET": true, "NO_ROUTE_DESTINATION": true,
	"CHANNEL_UNACCEPTABLE": true, "CALL_AWARDED_DELIVERED": true, "NORMAL_CLEARING": true, "USER_BUSY": true,
	"NO_USER_RESPONSE": true, "NO_ANSWER": true, "SUBSCRIBER_ABSENT": true, "CALL_REJECTED": true,
	"NUMBER_CHANGED": true, "REDIRECTION_TO_NEW_DESTINATION": true, "EXCHANGE_ROUTING_ERROR": true,
	"DESTINATION_OUT_OF_ORDER": true, "INVALID_NUMBER_FORMAT": true, "FACILITY_REJECTED": true,
	"RESPONSE_TO_STATUS_ENQUIRY": true, "NORMAL_UNSPECIFIED": true, "NORMAL_CIRCUIT_CONGESTION": true,
	"NETWORK_OUT_OF_ORDER": true, "NORMAL_TEMPORARY_FAILURE": true, "SWITCH_CONGESTION": true,
	"ACCESS_INFO_DISCARDED": true, "REQUESTED_CHAN_UNAVAIL": true, "PRE_EMPTED": true,
	"FACILITY_NOT_SUBSCRIBED": true, "OUTGOING_CALL_BARRED": true, "INCOMING_CALL_BARRED": true,
	"BEARERCAPABILITY_NOTAUTH": true, "BEARERCAPABILITY_NOTAVAIL": true, "SERVICE_UNAVAILABLE": true,
	"BEARERCAPABILITY_NOTIMPL": true, "CHAN_NOT_IMPLEMENTED": true, "FACILITY_NOT_IMPLEMENTED": true,
	"SERVICE_NOT_IMPLEMENTED": true, "INVALID_CALL_REFERENCE": true, "INCOMPATIBLE_DESTINATION": true,
	"INVALID_MSG_UNSPECIFIED": true, "MANDATORY_IE_MISSING": true, "MESSAGE_TYPE_NONEXIST": true,
	"WRONG_MESSAGE": true, "IE_NONEXIST": true, "INVALID_IE_CONTENTS": true, "WRONG_CALL_STATE": true,
	"RECOVERY_ON_TIMER_EXPIRE": true, "MANDATORY_IE_LENGTH_ERROR": true, "PROTOCOL_ERROR": true,
	"INTERWORKING": true, "SUCCESS": true, "ORIGINATOR_CANCEL": true, "CRASH": true, "SYSTEM_SHUTDOWN": true,
	"LOSE_RACE": true, "MANAGER_REQUEST": true, "BLIND_TRANSFER": true, "ATTENDED_TRANSFER": true,
	"ALLOTTED_TIMEOUT": true, "USER_CHALLENGE": true, "MEDIA_TIMEOUT": true, "PICKED_OFF": true,
	"USER_NOT_REGISTERED": true, "PROGRESS_TIMEOUT": true, "INVALID_GATEWAY": true, "GATEWAY_DOWN": true,
	"INVALID_URL": true, "INVALID_PROFILE": true, "NO_PICKUP": true, "SRTP_READ_ERROR": true,
	"BOWOUT": true, "BUSY_EVERYWHERE": true, "DECLINE": true, "DOES_NOT_EXIST_ANYWHERE": true,
	"NOT_ACCEPTABLE": true, "UNWANTED": true, "NO_IDENTITY": true, "BAD_IDENTITY_INFO": true,
	"UNSUPPORTED_CERTIFICATE": true, "INVALID_IDENTITY": true, "STALE_DATE": true, "REJECT_ALL": true,
	// voice's own: the socket closed before FreeSWITCH said why.
	voice.CauseConnectionLost: true,
}
