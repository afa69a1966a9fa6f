// @ts-check
// Do-not-call list: numbers on the list are stored in kv as `dnc:<number>`.
// A listed caller is rejected before the call is answered; any other caller
// may press 9 during the greeting to be added to the list.
const kv = require('kv');

/** @param {string} number */
function normalise(number) {
  return number.replace(/[^0-9]/g, '').replace(/^00/, '');
}

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  const caller = normalise(data.callerIdNumber || '');
  if (caller && (await kv.get(`dnc:${caller}`))) {
    console.log('caller on the do-not-call list', caller);
    await ctx.set('dnc', 'listed');
    await ctx.hangup('CALL_REJECTED');
    return;
  }
  await ctx.answer();
  // Listen for 9 while the greeting plays.
  const optOut = ctx.waitFor('9', null, 30).then(
    () => true,
    () => false,
  );
  await ctx.play('user/greeting-with-opt-out.wav');
  if (await optOut) {
    await kv.set(`dnc:${caller}`, new Date().toISOString());
    await ctx.set('dnc', 'added');
    await ctx.play('user/removed-from-list.wav');
    return;
  }
  await ctx.transfer('sales');
}
