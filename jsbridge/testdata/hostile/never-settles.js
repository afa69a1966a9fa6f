// main waits on a promise nothing will ever settle, on a live call.
async function main(data, ctx) {
  await ctx.answer();
  await new Promise(() => {});
}
