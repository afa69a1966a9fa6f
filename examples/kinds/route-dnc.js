// Class 4 routing script: runs when the dialplan sets route_script=route-dnc.
// Refuses numbers on the do-not-call list, refuses a destination dialled more than
// three times in ten minutes, and presents the account's caller id.

const { ko, incr } = require('cxKV');

/**
 * @param {any} data the call data plus data.routing and the route's variables
 */
async function main(data) {
  const dest = data.routing.dest_number;

  // The DNC list lives in the kv store as an array of numbers (see the app).
  /** @type {string[]} */
  const dnc = (await ko.get('dnc')) || [];
  if (dnc.includes(dest)) {
    throw [604, 'Number on DNC List'];
  }
  if (dest.startsWith('900')) {
    throw new Error('603 Destination Blocked');
  }

  const attempts = await incr('attempts:' + dest, 1, 600);
  if (attempts > 3) {
    throw [486, 'Too Many Attempts'];
  }

  // A per-route variable from routes.toml: data.cli = { present: '...' }.
  if (data.cli && data.cli.present) {
    data.routing.cli = data.cli.present;
  }
  for (const egress of data.routing.egress_routing) {
    egress.headers.push({ key: 'X-Account', value: data.routing.account_id });
  }
  return data;
}
