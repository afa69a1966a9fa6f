// A synchronous busy loop in main: the CPU budget interrupts it.
async function main(data, ctx) {
  await ctx.answer();
  for (;;) {}
}
