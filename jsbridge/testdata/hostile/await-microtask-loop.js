// `await` inside an endless loop: every await is a microtask, none ever yields to
// the event loop.
async function main(data, ctx) {
  await ctx.answer();
  let n = 0;
  for (;;) {
    await null;
    n++;
  }
}
