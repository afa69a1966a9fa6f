// barge-in: the real-switch suite's DTMF-event scenario. While a 20 s prompt plays, the
// caller's first key stops it (ctx.on('dtmf') + ctx.stop(), which is uuid_break), and
// ctx.waitFor collects the keys up to '#'. The interrupted playback still resolves, with
// what FreeSWITCH reported; both results are left in channel variables for the test.
async function main(data, ctx) {
  await ctx.answer();
  let stopped = false;
  ctx.on('dtmf', () => {
    if (!stopped) {
      stopped = true;
      ctx.stop().catch((e) => console.warn('stop failed', e.message));
    }
  });
  const digits = ctx.waitFor(/#$/, null, 20);
  const played = await ctx.play('user/long-prompt.wav');
  await ctx.set('e2e_played', played);
  await ctx.set('e2e_digits', await digits);
  await ctx.hangup();
}
