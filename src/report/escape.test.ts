/** The `html` template escapes every interpolated value; only SafeHtml passes through. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, html, trusted } from "./escape.ts";

const cases: Array<{ input: string; escaped: string }> = [
  { input: "<script>alert(1)</script>", escaped: "&lt;script&gt;alert(1)&lt;/script&gt;" },
  { input: `" onmouseover="alert(1)`, escaped: "&quot; onmouseover=&quot;alert(1)" },
  { input: "' autofocus onfocus='x", escaped: "&#39; autofocus onfocus=&#39;x" },
  { input: "a && b < c > d", escaped: "a &amp;&amp; b &lt; c &gt; d" },
  { input: "&lt;already&gt;", escaped: "&amp;lt;already&amp;gt;" },
  { input: "\\boxed{\\frac{1}{2}}", escaped: "\\boxed{\\frac{1}{2}}" },
];

for (const { input, escaped } of cases) {
  test(`escapes ${JSON.stringify(input)}`, () => {
    assert.equal(escapeHtml(input), escaped);
    assert.equal(html`<pre>${input}</pre>`.value, `<pre>${escaped}</pre>`);
    assert.equal(html`<td title="${input}">`.value, `<td title="${escaped}">`);
  });
}

test("arrays are escaped item by item; SafeHtml and trusted markup pass; nullish and false vanish", () => {
  const rows = ["<b>", "x"].map((item) => html`<li>${item}</li>`);
  assert.equal(html`<ul>${rows}</ul>`.value, "<ul><li>&lt;b&gt;</li><li>x</li></ul>");
  assert.equal(html`${trusted("<svg></svg>")}${null}${undefined}${false}${0}`.value, "<svg></svg>0");
  assert.equal(html`${["<", ["<<"]]}`.value, "&lt;&lt;&lt;");
});
