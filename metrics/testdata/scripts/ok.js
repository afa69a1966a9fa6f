// ok: answer, two prompts, hang up.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/a.wav');
  await ctx.play('user/b.wav');
  await ctx.hangup();
}
