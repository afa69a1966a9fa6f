async function main(data, ctx) {
  await null;
  return "classic-async:" + data.who;
}
