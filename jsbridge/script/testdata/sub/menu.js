function main(data, ctx) {
  return "sub/menu:" + __filename + ":" + __dirname;
}
