// @ts-check
// IVR menu: 1 for sales, 2 for support, 0 for the operator; three tries.
// The choice is left in the channel variable `menu_choice`.

const routes = { 1: 'sales', 2: 'support', 0: 'operator' };

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await ctx.ivr('user/main-menu.wav', 5, 1, 1, '#', { regexp: '[012]' });
    if (r.status === 'success') {
      const choice = routes[/** @type {'0' | '1' | '2'} */ (r.value)];
      await ctx.set('menu_choice', choice);
      console.log('menu choice', { caller: data.callerIdNumber, choice, attempt });
      await ctx.transfer(choice);
      return;
    }
    await ctx.play(r.status === 'invalid' ? 'user/invalid-option.wav' : 'user/no-input.wav');
  }
  await ctx.set('menu_choice', 'none');
  await ctx.play('user/goodbye.wav');
  await ctx.hangup();
}
