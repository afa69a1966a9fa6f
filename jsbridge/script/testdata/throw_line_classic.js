function helper() {
  throw new Error("boom from classic");
}
function main(data, ctx) {
  return helper();
}
