function main() {
  for (;;) {}
}
