// An endless chain of microtasks, each short, started from a timer callback: the
// whole chain is one synchronous stretch and the CPU budget ends it.
async function main(data, ctx) {
  await ctx.answer();
  const spin = () => Promise.resolve().then(spin);
  await new Promise(() => setTimeout(spin, 10));
}
