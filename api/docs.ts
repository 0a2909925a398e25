/** A browsable API reference rendered from the OpenAPI document on the server: no CDN, works offline. */

type Json = Record<string, unknown>;
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.split('/').pop()!;
  return ((doc.components as Json | undefined)?.schemas as Json | undefined)?.[name] as Json | undefined;
}

/** A compact type line: `string`, `Contact`, `array of Task`, `object`. */
function typeOf(schema: Json | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return String(schema.$ref).split('/').pop()!;
  if (schema.type === 'array') return `array of ${typeOf(schema.items as Json)}`;
  if (schema.enum) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const any = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (any) return any.map(typeOf).join(' | ');
  return `${String(schema.type ?? 'any')}${schema.format ? ` (${String(schema.format)})` : ''}${schema.nullable ? ', nullable' : ''}`;
}

function fieldsTable(doc: Json, schema: Json | undefined): string {
  const s = resolve(doc, schema);
  const props = s?.properties as Record<string, Json> | undefined;
  if (!props) return `<code>${esc(typeOf(schema))}</code>`;
  const required = new Set((s?.required as string[] | undefined) ?? []);
  const rows = Object.entries(props)
    .map(
      ([k, v]) =>
        `<tr><td><code>${esc(k)}</code>${required.has(k) ? ' *' : ''}</td><td>${esc(typeOf(v))}</td><td>${esc(v.description)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows}</table>`;
}

function operation(doc: Json, path: string, method: string, op: Json): string {
  const params = ((op.parameters as Json[] | undefined) ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code>${p.required ? ' *' : ''}</td><td>${esc(p.in)}</td><td>${esc(typeOf(p.schema as Json))}</td><td>${esc(p.description ?? (p.schema as Json | undefined)?.description)}</td></tr>`,
    )
    .join('');
  const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as
    Json | undefined;
  const responses = Object.entries((op.responses as Record<string, Json>) ?? {})
    .map(([code, r]) => {
      const schema = ((r.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as
        Json | undefined;
      const data = (resolve(doc, schema)?.properties as Json | undefined)?.data as Json | undefined;
      return `<li><b>${esc(code)}</b> ${esc(r.description)}${data ? ` — <code>data</code>: <code>${esc(typeOf(data))}</code>` : ''}</li>`;
    })
    .join('');
  const open = op.security && (op.security as unknown[]).length ? '🔒 bearer' : 'public';
  return `<section class="op"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <small>${open}</small></h3>
<p>${esc(op.summary)}</p>${params ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>notes</th></tr>${params}</table>` : ''}
${body ? `<h4>Body</h4>${fieldsTable(doc, body.schema as Json)}` : ''}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderDocs(doc: Json): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operation(doc, path, method, op)]);
    }
  }
  const schemas = Object.entries(((doc.components as Json | undefined)?.schemas as Record<string, Json>) ?? {})
    .map(
      ([name, s]) =>
        `<section class="op" id="schema-${esc(name)}"><h3>${esc(name)}</h3>${fieldsTable(doc, s)}</section>`,
    )
    .join('');
  const info = doc.info as Json;
  const nav = [...byTag.keys()].map((t) => `<a href="#${esc(t)}">${esc(t)}</a>`).join(' · ');
  const sections = [...byTag.entries()].map(([t, ops]) => `<h2 id="${esc(t)}">${esc(t)}</h2>${ops.join('')}`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(info.title)} API</title><style>
body{font:14px/1.5 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
code{background:#f3f3f3;padding:0 .3em;border-radius:3px}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
.op{border:1px solid #e3e3e3;border-radius:6px;padding:.5em 1em;margin:1em 0}.m{display:inline-block;min-width:4em;color:#fff;border-radius:3px;padding:0 .4em;font-size:12px;text-align:center}
.get{background:#2b7de9}.post{background:#2f9e44}.patch,.put{background:#e67700}.delete{background:#c92a2a}h3{margin:.3em 0}small{color:#888;font-weight:normal}
</style></head><body><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). ${nav} · <a href="#schemas">Schemas</a></p>
${sections}<h2 id="schemas">Schemas</h2>${schemas}</body></html>`;
}
