function main(data) {
  const missing = data.nothing;
  return missing.field;
}
