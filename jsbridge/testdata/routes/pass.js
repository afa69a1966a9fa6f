// A pass-through routing script: the call goes where the route table says.
function main(data) {
  return data;
}
