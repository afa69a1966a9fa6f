// Package realswitch holds callforge's deployment checks.
//
// Always run, no FreeSWITCH needed:
//   - every XML file of freeswitch-conf/ (and of e2e/sipp/) is well-formed, its includes resolve,
//     and every $${variable} it uses is defined in vars.xml;
//   - docker-compose.yml, loaded with the compose-spec library, has the services, ports and mounts
//     the deployment needs, and the dialplan's socket address equals callforge's listen address.
//
// The real-switch end-to-end suite (TestRealSwitch) starts a real FreeSWITCH 1.10 with
// freeswitch-conf/ on loopback, builds and starts callforge with the scripts of e2e/scripts/, and
// drives calls through them with SIPp (the scenarios of e2e/sipp/). FreeSWITCH is found at
// $FREESWITCH_BIN or /opt/freeswitch/bin/freeswitch (installed from ../shared/freeswitch/ by
// e2e/setup/install-freeswitch.sh). Without it the suite says so and skips; with CI=true and
// ../shared/freeswitch/ present a skip is a failure.
//
// The package has no non-test code.
package realswitch
