function main(data, ctx) {
  let x = 1;
  return x +;
}
