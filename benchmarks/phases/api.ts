// Phase `api` of `npm run bench`: the API query benchmark on the large generated dataset
// (benchmarks/api/bench.ts; the dataset is generated once into var/bench-api and reused).
await import('../api/bench.ts');
