// Catastrophic backtracking: the classic pattern (goja runs it on RE2, linear), and
// one that needs the backtracking engine (a back-reference): that one is bounded
// and the CPU budget ends the call.
async function main(data, ctx) {
  await ctx.answer();
  console.log('classic:' + /(a+)+$/.test('a'.repeat(40) + '!'));
  console.log('backref:' + /^(a+)+\1b$/.test('a'.repeat(40) + '!'));
  await ctx.play('after-regex.wav');
}
