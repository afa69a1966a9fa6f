// JSON.parse and JSON.stringify replaced with traps.
JSON.parse = () => { for (;;) {} };
JSON.stringify = () => { throw new Error('stringify poisoned'); };

async function main(data, ctx) {
  await ctx.answer();
  console.log({ still: 'logged' });
  throw { plain: 'object' };
}
