// A thrown object whose name and message getters throw in turn.
async function main(data, ctx) {
  await ctx.answer();
  throw {
    code: 42,
    get name() { throw new Error('name getter trap'); },
    get message() { throw new Error('message getter trap'); },
    get stack() { throw new Error('stack getter trap'); },
    toJSON() { throw new Error('toJSON trap'); },
  };
}
