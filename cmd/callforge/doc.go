// Command callforge is the programmable-voice engine for FreeSWITCH: it serves the
// calls FreeSWITCH hands over with `socket <addr> async full` by running the
// operator's JavaScript voice scripts.
//
//	callforge serve [--listen 127.0.0.1:8084] [--scripts ./scripts] [--default-script NAME] ...
//
// Run `callforge serve --help` for every flag.
package main
