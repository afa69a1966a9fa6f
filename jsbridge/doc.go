// Package jsbridge runs operators' JavaScript voice scripts on calls: it implements
// voice.Handler. For each call it makes a fresh goja runtime driven by a goja_nodejs
// event loop on the call's own goroutine, runs the script's compiled (shared)
// *goja.Program, builds `data` and `ctx` (shared/voice-api.md §2–§3), and calls
// `main(data, ctx)`.
//
// The promise bridge follows k6's contract: Go work that will finish later reserves
// the loop first (the loop cannot end while a reservation is open) and settles
// exactly once, on the loop. Every ctx method that makes FreeSWITCH work resolves on
// the application's completion, never on the command's +OK; a hang-up rejects what is
// pending with a HangupError. Script errors reach JavaScript as Error objects with
// `name` and `code`.
package jsbridge
