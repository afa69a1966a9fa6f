async function main(data) {
  const x = data.missing;
  return x.deeper;
}
