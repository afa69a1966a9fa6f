// park: answers and parks the call in ctx.sleep (ten minutes), until the caller hangs
// up. e2e/park uses it to measure what a parked call costs the engine.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.sleep(600000);
}
