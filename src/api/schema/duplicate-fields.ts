/**
 * duplicate-fields finds object keys that appear twice in JSON text. JSON.parse keeps the last
 * one silently; Kubernetes' strict decoder reports each repeat as `duplicate field "path"`.
 */

/** duplicateFieldPaths returns the field path (`spec.containers[0].name`) of every repeated key. Invalid JSON yields []. */
export function duplicateFieldPaths(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        const key = str();
        const p = path ? `${path}.${key}` : key;
        if (seen.has(key)) out.push(p);
        seen.add(key);
        ws();
        i++; // colon
        value(p);
        ws();
        if (text[i] === ',') { i++; continue; }
        i++; // closing brace
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') { i++; continue; }
        i++;
        return;
      }
    }
    if (c === '"') { str(); return; }
    while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  };
  try {
    value('');
  } catch {
    return [];
  }
  return out;
}
