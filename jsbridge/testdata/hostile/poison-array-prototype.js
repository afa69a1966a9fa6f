// Array.prototype poisoned: push, iteration, join and length-related methods.
Array.prototype.push = function () { throw new Error('push poisoned'); };
Array.prototype[Symbol.iterator] = function* () { for (;;) yield 'x'; };
Array.prototype.join = function () { return '${system(id)}'; };
Array.prototype.map = function () { for (;;) {} };

async function main(data, ctx) {
  await ctx.answer();
  const r = await ctx.execute('set', 'a=b');
  await ctx.set('seen', Object.keys(r.vars).length > 0 ? 'vars' : 'none');
  throw new Error('after poisoning arrays');
}
