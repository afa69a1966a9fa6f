// @ts-check
// PIN check with kv: PINs are stored under `pin:<account>`; wrong attempts
// are counted under `pin-failures:<account>` for an hour, and three of them
// lock the account until the counter expires.
const kv = require('kv');

const MAX_FAILURES = 3;

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  const account = ctx.get('account') || data.callerIdNumber;
  const pin = await kv.get(`pin:${account}`);
  const failuresKey = `pin-failures:${account}`;
  if (!pin) {
    await ctx.play('user/unknown-account.wav');
    return;
  }
  for (;;) {
    if (Number(await kv.get(failuresKey)) >= MAX_FAILURES) {
      await ctx.set('pin_result', 'locked');
      await ctx.play('user/account-locked.wav');
      await ctx.hangup('CALL_REJECTED');
      return;
    }
    const r = await ctx.ivr('user/enter-pin.wav', 5, 4, 8, '#');
    if (r.status === 'success' && r.value === pin) break;
    await kv.incr(failuresKey, 1, 3600);
    await ctx.play('user/pin-wrong.wav');
  }
  await kv.del(failuresKey);
  await ctx.set('pin_result', 'ok');
  await ctx.play('user/pin-accepted.wav');
  await ctx.transfer('voicemail-menu');
}
