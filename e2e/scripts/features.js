// features: the real-switch suite's round of the ctx methods that the other scenarios leave
// out, each through the real FreeSWITCH: say (mod_say_en), a bridge that fails (no such user
// in the switch's directory), ctx.api (strftime, and uuid_getvar of the script's own call),
// and ctx.execute of an allowed application. What each resolved with is left in channel
// variables that the test reads from FreeSWITCH's hangup event.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.say('42', { type: 'number', method: 'pronounced' });
  const b = await ctx.bridge('user/9999', true, 3); // continue on failure: the call stays up
  await ctx.set('e2e_bridge', b.status + ' ' + b.cause + ' ' + (b.bLeg === '' ? 'no-b-leg' : b.bLeg));
  const year = await ctx.api('strftime %Y');
  await ctx.set('e2e_year', year.trim());
  const mine = await ctx.api('uuid_getvar ' + ctx.uuid + ' e2e_bridge');
  await ctx.set('e2e_getvar', mine.trim());
  const x = await ctx.execute('log', 'INFO e2e-features');
  await ctx.set('e2e_ran', typeof x.response + ' ' + (x.vars.e2e_year === year.trim() ? 'vars-current' : 'vars-stale'));
  try {
    await ctx.api('uuid_kill ' + '00000000-0000-0000-0000-000000000000');
    await ctx.set('e2e_refused', 'no');
  } catch (e) {
    await ctx.set('e2e_refused', e.code);
  }
  await ctx.hangup();
}
