package api

import (
	"encoding/json"
	"errors"
	"net/http"
)

var (
	// ErrNoTokens: the API would listen off loopback with no token configured.
	ErrNoTokens = errors.New("api: no bearer tokens configured: refusing to listen off loopback")
	// ErrBadConfig is wrapped by every other configuration problem.
	ErrBadConfig = errors.New("api: bad configuration")
)

// Error codes of the JSON error body.
const (
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethod           = "method_not_allowed"
	CodeTooLarge         = "body_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeBadRequest       = "bad_request"
	CodeTooMany          = "too_many_requests"
	CodeScriptError      = "script_error"
	CodeTimeout          = "timeout"
	CodeLimit            = "limit_exceeded"
	CodeInternal         = "internal"
)

// errorBody is the JSON of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// At is the script's file:line:col for script errors.
	At string `json:"at,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg, at string) {
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, At: at}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"response cannot be encoded"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
