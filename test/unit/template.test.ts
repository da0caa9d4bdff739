import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../src/notify/template.ts';

describe('notification templates', () => {
  const template = compileTemplate({
    subject: 'Welcome <<first_name>>',
    text: 'Login: <<okta.login>><<#if note>> ({{literal}} <<note>>)<</if>>',
    html: '<p><<first_name>></p>',
  });

  it('renders <<…>> placeholders with Handlebars semantics, escaping only the HTML part', () => {
    const message = template.render({ first_name: 'Tom & <Jerry>', note: 'hi', okta: { login: 't@example.com' } });
    expect(message).toEqual({
      subject: 'Welcome Tom & <Jerry>',
      text: 'Login: t@example.com ({{literal}} hi)',
      html: '<p>Tom &amp; &lt;Jerry&gt;</p>',
    });
  });

  it('refuses to render a placeholder the context lacks, rather than sending a blank', () => {
    expect(() => compileTemplate({ subject: 'Hi <<frist_name>>', text: 'x' }).render({ first_name: 'A' })).toThrow(/frist_name/);
  });
});
