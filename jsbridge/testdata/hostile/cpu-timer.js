// A busy loop inside a setTimeout callback.
async function main(data, ctx) {
  await ctx.answer();
  await new Promise(() => setTimeout(() => { for (;;) {} }, 20));
}
