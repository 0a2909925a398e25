import { createLocalEmbeddings } from '../activities/providers/embeddings/local.js';
const v = await createLocalEmbeddings().embed(['hello world']);
console.log(v.length, v[0]!.length);
