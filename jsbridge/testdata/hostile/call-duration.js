// Holds the call forever: the maximum call duration ends it.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.waitForHangup();
}
