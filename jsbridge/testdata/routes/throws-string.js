function main(data) {
  throw 'no way';
}
