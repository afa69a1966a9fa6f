async function main() {
  await new Promise((resolve) => setTimeout(resolve, 60000));
  return 'late';
}
