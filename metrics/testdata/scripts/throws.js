// throws: a runtime error after answering.
async function main(data, ctx) {
  await ctx.answer();
  throw new Error('boom');
}
