// Changes data in place and returns nothing: the changed data is routed.
function main(data) {
  data.routing.cli = '15550001111';
}
