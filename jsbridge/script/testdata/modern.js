// Syntax goja lacks natively (async generators, for await) is lowered.
async function* count(n) {
  for (let i = 0; i < n; i++) yield i;
}
class Counter {
  #n = 0;
  static zero = 0;
  inc() { return ++this.#n; }
}
async function main(data, ctx) {
  let sum = 0;
  for await (const i of count(4)) sum += i;
  const c = new Counter();
  c.inc();
  const o = { a: { b: null } };
  return "modern:" + data.who + ":" + sum + ":" + c.inc() + ":" + (o.a?.b ?? "nil");
}
