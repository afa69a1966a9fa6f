// bench-call: the standard benchmark call (docs/performance.md): answer, playback,
// play_and_get_digits, set, playback, hangup. e2e/load drives it (pressing 1234#
// on the prompt) and e2e/baseline does the same six commands on plain eslgo.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/a.wav');
  const r = await ctx.ivr('user/b.wav', 5, 1, 8, '#', { tries: 1 });
  await ctx.set('bench_digits', r.value);
  await ctx.play('user/c.wav');
  await ctx.hangup();
}
