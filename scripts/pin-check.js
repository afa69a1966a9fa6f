// PIN check with ctx.ivr: four digits ended by #, three attempts; the right PIN comes
// from the channel variable `expected_pin` (set it in the dialplan), else 1234.
module.exports = async function (data, ctx) {
  await ctx.answer();
  const expected = ctx.get('expected_pin') || '1234';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await ctx.ivr('user/enter-pin.wav', 5, 4, 4, '#', { tries: 1 });
    if (r.status === 'success' && r.value === expected) {
      await ctx.set('pin_result', 'ok');
      await ctx.play('user/pin-accepted.wav');
      return;
    }
    await ctx.play('user/pin-wrong.wav');
  }
  await ctx.set('pin_result', 'locked');
  await ctx.hangup('CALL_REJECTED');
};
