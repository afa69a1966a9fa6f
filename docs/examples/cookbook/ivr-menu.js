// @ts-check
// IVR menu with retries: 1 sales, 2 support, 0 operator. An invalid key or
// silence gets a specific message; after three failed tries the caller goes
// to the operator anyway.

const queues = { 1: '2001', 2: '2002', 0: '2000' };

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  let target = queues[0];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await ctx.ivr('user/main-menu.wav', 5, 1, 1, '#', { regexp: '[012]' });
    if (r.status === 'success') {
      target = queues[/** @type {'0' | '1' | '2'} */ (r.value)];
      break;
    }
    console.log('menu attempt failed', { attempt, status: r.status, pressed: r.invalid });
    await ctx.play(r.status === 'invalid' ? 'user/invalid-option.wav' : 'user/no-input.wav');
  }
  await ctx.set('menu_target', target);
  const res = await ctx.bridge(target, true, 30);
  if (res.status !== 'success') {
    await ctx.play('user/all-busy.wav');
    await ctx.hangup('NORMAL_TEMPORARY_FAILURE');
  }
}
