// long: a call longer than the drain deadline (the simulator plays the prompt for 60 s).
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/long.wav');
  await ctx.hangup();
}
