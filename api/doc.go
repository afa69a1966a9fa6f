// Package api owns callforge's HTTP API: the listener on which Apps
// (POST /v1/apps/{name}), Driver functions (POST /v1/drivers/{name}/{function})
// and Form handlers (POST /v1/forms/{name}) are run, with bearer-token auth, a
// request body cap, a per-request time budget, a cap on concurrent runs (429
// beyond it), JSON errors ({"error": {"code", "message"}}) and the OpenAPI
// description served at /v1/openapi.json.
//
// It does not run JavaScript itself: each request becomes one jsbridge.Job run by
// the engine (which logs and counts it through its Observer).
package api
