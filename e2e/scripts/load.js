// load: the call of the load scenario (4). Answer, a 0.3 s beep, hang up.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/beep.wav');
  await ctx.hangup();
}
