/**
 * How kube-apiserver words a strategic merge patch whose result does not decode. Unlike a JSON or
 * merge patch (whose result is encoded and decoded, so the message quotes the patched object and
 * Go's JSON decoder), a strategic merge patch's result goes straight from a map to the typed object
 * through the unstructured converter: the message quotes the patch itself as Go's %+v prints a map,
 * and the converter's own words for a value of the wrong type.
 */

/** goPlusV renders a JSON value as Go's fmt %+v prints the map[string]interface{} it decodes to. */
export function goPlusV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPlusV).join(' ')}]`;
  if (typeof v === 'object') {
    // fmt sorts a map's keys (byte order: the same as UTF-16 order for the ASCII keys objects have)
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${keys.map((k) => `${k}:${goPlusV(o[k])}`).join(' ')}]`;
  }
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** goNumber prints an int64 as an integer and a float64 as %v does (exponents with two digits at least). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** The Go kind of a JSON value once decoded into an unstructured map (integers stay int64). */
function sourceKind(jsonKind: string, numberText?: string): string {
  switch (jsonKind) {
    case 'string': return 'string';
    case 'bool': return 'bool';
    case 'array': return 'slice';
    case 'object': return 'map';
    default: return numberText !== undefined && !/^-?\d+$/.test(numberText) ? 'float64' : 'int64';
  }
}

const INT_KINDS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64']);
const SCALAR_KINDS = new Set([...INT_KINDS, 'float32', 'float64', 'bool', 'string']);

/**
 * unstructuredConvertError turns the JSON decoder's type error ("json: cannot unmarshal string into
 * Go struct field DeploymentSpec.spec.replicas of type int32") into what runtime's
 * DefaultUnstructuredConverter says about the same value ("unrecognized type: int32"); any other
 * message is returned as it is.
 */
export function unstructuredConvertError(decodeError: string): string {
  const m = /^json: cannot unmarshal (string|bool|array|object|number)(?: (\S+))? into Go struct field \S+ of type (.+)$/.exec(decodeError);
  if (!m) return decodeError;
  const [, jsonKind, numberText, goType] = m;
  const src = sourceKind(jsonKind, numberText);
  if (goType.startsWith('[]')) return `cannot restore slice from ${src}`;
  if (goType.startsWith('map[')) return `cannot restore map from ${src}`;
  if (!SCALAR_KINDS.has(goType)) return `cannot restore struct from: ${src}`;
  // Scalars: Go converts between integer kinds and from a whole float; a number may become a string
  // type by Go's rules but the converter refuses it; the rest have no conversion at all.
  if ((src === 'int64' || src === 'float64') && (goType === 'string' || INT_KINDS.has(goType))) {
    return `cannot convert ${src} to ${goType}`;
  }
  return `unrecognized type: ${goType}`;
}
