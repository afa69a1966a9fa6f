// The spelling used in the ConnexCS documentation.
module.export = async function (data, ctx) {
  return "cjs-export-typo:" + data.who;
};
