async function main(data) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return data;
}
