// two-seconds: a call that lasts about 2 s (the simulator plays the prompt for 2 s).
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/two-seconds.wav');
  await ctx.hangup();
}
