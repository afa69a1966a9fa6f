async function main() {
  return 'deep';
}
