// @ts-check
// Step 2: a menu. Press 1 to hear the time of day, 2 to be put through
// to reception; anything else, or nothing, ends the call politely.

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  const r = await ctx.ivr('user/menu.wav', 5, 1, 1, '#', { regexp: '[12]', tries: 2 });
  if (r.status !== 'success') {
    await ctx.tts('Sorry, I did not get that. Goodbye.');
    return; // main settles: the engine hangs up with NORMAL_CLEARING
  }
  if (r.value === '1') {
    const now = new Date();
    await ctx.say(`${now.getUTCHours()}:${String(now.getUTCMinutes()).padStart(2, '0')}`, {
      type: 'current_time',
      method: 'pronounced',
    });
    return;
  }
  const bridged = await ctx.bridge('1000', true, 20);
  if (bridged.status !== 'success') {
    console.warn('reception did not answer', bridged.cause);
    await ctx.play('user/reception-unavailable.wav');
  }
}
