// @ts-check
// PIN check: the caller enters the PIN of the account named by the channel
// variable `account`; PINs live in kv under `pin:<account>`. Three wrong PINs
// in an hour lock the account for the rest of that hour.
const kv = require('kv');

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
module.exports = async function (data, ctx) {
  await ctx.answer();
  const account = ctx.get('account') || data.callerIdNumber;
  const expected = await kv.get(`pin:${account}`);
  if (!expected) {
    await ctx.play('user/no-account.wav');
    return;
  }
  const failuresKey = `pin-failures:${account}`;
  while (Number((await kv.get(failuresKey)) || 0) < 3) {
    const r = await ctx.ivr('user/enter-pin.wav', 5, 4, 8, '#');
    if (r.status === 'success' && r.value === expected) {
      await kv.del(failuresKey);
      await ctx.set('pin_result', 'ok');
      await ctx.play('user/pin-accepted.wav');
      return;
    }
    const failures = await kv.incr(failuresKey, 1, 3600);
    console.warn('wrong PIN', { account, failures });
    await ctx.play('user/pin-wrong.wav');
  }
  await ctx.set('pin_result', 'locked');
  await ctx.play('user/account-locked.wav');
  await ctx.hangup('CALL_REJECTED');
};
