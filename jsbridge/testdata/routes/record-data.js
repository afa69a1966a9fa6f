const cx = require('cxKV');

async function main(data) {
  await cx.ko.set('seen', {
    uuid: data.uuid,
    destinationNumber: data.destinationNumber,
    callerIdNumber: data.callerIdNumber,
    caller_header: data['Caller-Caller-ID-Number'],
    var_account: data.vars.account_id,
    tier: data.tier,
    schedule: data.schedule,
    routing: data.routing,
  });
  return data;
}
