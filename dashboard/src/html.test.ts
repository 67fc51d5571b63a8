import { describe, expect, it } from 'vitest';
import { html, raw } from './html.ts';

describe('html templates', () => {
  it('escapes values so a task error cannot inject markup', () => {
    const error = `<script>alert("x")</script> & 'y'`;
    expect(html`<td>${error}</td>`.text).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</td>');
  });
  it('nests templates and joins arrays without escaping them twice', () => {
    const rows = ['a<b', 'c'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${rows}</ul>`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });
  it('drops null, undefined and false, keeps 0', () => {
    expect(html`${null}${undefined}${false}${0}${raw('<br>')}`.text).toBe('0<br>');
  });
});
