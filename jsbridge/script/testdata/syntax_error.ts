interface A {
  a: number;
}
export function main(data: A): number {
  return data.a +* 2;
}
