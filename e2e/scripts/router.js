// router: a Class 4 routing script. The script table
// (freeswitch-conf/dialplan/public/00_script_table.xml) sets route_script=router for
// every +E.164 number; callforge then runs main(data) before the call is routed and
// carries the decision out. This one refuses a number on its do-not-call list and
// lets every other call go to the route table's gateways (e2e/scripts/routes.toml:
// +1 numbers go through a loopback "gateway" to the hello script), presenting a
// rewritten caller id.
function main(data) {
  if (data.routing.dest_number === '+15550000000') {
    throw [604, 'Number on DNC List'];
  }
  data.routing.cli = '15551230000';
  return data;
}
