// hello: scenario 1 of the real-switch suite, and the default script.
// Answers, plays a short prompt, marks the channel, hangs up (FreeSWITCH sends the BYE).
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/hello.wav');
  await ctx.set('e2e_step', 'played');
  await ctx.hangup();
}
