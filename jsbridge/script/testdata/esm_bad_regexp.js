export const ok = 1;
var r = /[a-z]/v;
