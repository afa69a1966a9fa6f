export const unrelated = 1;
export default {
  async main(data, ctx) {
    return "esm-default-object:" + data.who;
  },
};
