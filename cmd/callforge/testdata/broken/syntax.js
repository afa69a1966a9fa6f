// A JavaScript syntax error: the call to ctx.play is never closed.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/welcome.wav';
}
