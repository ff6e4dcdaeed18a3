// hot — a JavaScript function that burns CPU, for the JIT-map test:
// node --perf-basic-prof hot.js SECONDS
function hotLoop(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003;
  return s;
}
const end = Date.now() + 1000 * Number(process.argv[2] || 2);
let t = 0;
while (Date.now() < end) t += hotLoop(1e6);
if (t < 0) console.log(t);
