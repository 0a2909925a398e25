// The image's health check: an API process answers /health on PORT; a worker answers on
// METRICS_PORT (401 without a token still proves the process is up and serving).
const get = (url) =>
  fetch(url, { signal: AbortSignal.timeout(4000) }).then(
    (res) => res.status,
    () => 0,
  );
const api = await get(`http://127.0.0.1:${process.env.PORT ?? 3000}/health`);
if (api === 200) process.exit(0);
const worker = await get(`http://127.0.0.1:${process.env.METRICS_PORT ?? 9464}/metrics`);
process.exit(worker === 200 || worker === 401 ? 0 : 1);
