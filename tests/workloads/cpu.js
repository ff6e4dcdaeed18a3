// cpu — a CPU-bound node program: recursive fib and sorting fresh arrays on
// the main thread (the garbage it makes wakes V8's platform workers now and
// then; between times they wait on a futex for work). node cpu.js SECONDS
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
function sortSome(n) {
  const a = [];
  for (let i = 0; i < n; i++) a.push((i * 7919) % 10007);
  return a.sort((x, y) => x - y)[n >> 1];
}
const end = Date.now() + 1000 * Number(process.argv[2] || 4);
let t = 0;
while (Date.now() < end) t += fib(24) + sortSome(20000);
if (t < 0) console.log(t);
