// A script whose own time matters: it notes when it was called, then waits on
// its own timer.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.set('called_at', new Date().toISOString());
  await new Promise((resolve) => setTimeout(resolve, 90 * 1000));
}
