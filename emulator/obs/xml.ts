/**
 * The OBS emulator's XML: answers built from plain objects (escaped), request bodies parsed with
 * fast-xml-parser (values kept as text; repeated elements always arrays where the caller asks).
 */
import { XMLParser } from "fast-xml-parser";

/** `&`, `<`, `>`, `"` and `'` escaped for element text. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** An XML element tree: text, nested elements, or a list rendered as repeated elements. */
export type XmlValue = string | number | boolean | XmlObject | XmlObject[];
/** An element's children by name. */
export interface XmlObject {
  [name: string]: XmlValue | undefined;
}

function render(name: string, value: XmlValue | undefined): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join("");
  if (typeof value === "object") return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join("")}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An XML document with one root element. */
export function xmlDocument(root: string, body: XmlObject | string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${render(root, body)}`;
}

/** Parses a request body; throws `Error` on malformed XML. `arrays` names elements that are always lists. */
export function parseXml(text: string, arrays: readonly string[] = []): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: true, parseTagValue: false, trimValues: true, removeNSPrefix: true,
    isArray: (name) => arrays.includes(name),
  });
  return parser.parse(text, true) as Record<string, unknown>;
}
