// Classic form: a plain top-level function.
function main(data, ctx) {
  return "classic-sync:" + data.who;
}
