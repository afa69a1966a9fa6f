async function main(data) {
  await new Promise((resolve) => setTimeout(resolve, 60000));
  return data;
}
