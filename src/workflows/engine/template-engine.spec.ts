import { TemplateEngine, TemplateError } from './template-engine';

describe('the sandboxed template engine', () => {
  const t = new TemplateEngine({ renderMs: 200, memory: 1_000_000 });
  const scope = { trigger: { body: { amount: 150000, email: 'a@b.test', items: [1, 2, 3] } }, steps: { deal: { id: '42' } } };

  it('interpolates, keeping the type of a whole-string expression', () => {
    expect(t.render({ a: '{{ trigger.body.amount }}', b: 'Paid {{ trigger.body.amount | divided_by: 100 }} by {{ trigger.body.email }}', c: ['{{ steps.deal.id }}', 7], d: '{{ trigger.body.items }}' }, scope))
      .toEqual({ a: 150000, b: 'Paid 1500 by a@b.test', c: ['42', 7], d: [1, 2, 3] });
    expect(t.render('{{ trigger.missing.deep }}', scope)).toBeNull();
  });

  it('evaluates conditions without JavaScript', () => {
    expect(t.test('trigger.body.amount > 100000', scope)).toBe(true);
    expect(t.test('trigger.body.amount > 100000 and trigger.body.email contains "@"', scope)).toBe(true);
    expect(t.test('trigger.body.amount < 10', scope)).toBe(false);
    expect(t.test('trigger.nothing', scope)).toBe(false);
  });

  it('reaches nothing outside its scope: no prototypes, globals or files', () => {
    expect(t.render('{{ trigger.constructor }}', scope)).toBeNull();
    expect(t.render('{{ trigger.__proto__ }}', scope)).toBeNull();
    expect(t.render('{{ process.env.HOME }}{{ global.process }}', scope)).toBe('');
    expect(() => t.render('{% include "/etc/passwd" %}', scope)).toThrow(TemplateError);
    expect(() => t.render('{{ "x" | system }}', scope)).toThrow(/undefined filter: system/);
  });

  it('stops a template that runs too long or allocates too much, with a readable error', () => {
    expect(() => t.render('{% for i in (1..100000000) %}{{ i }}{% endfor %}', scope)).toThrow(/stopped: .*limit exceeded/);
    expect(() => t.renderText('{% for i in (1..2000) %}{% for j in (1..2000) %}x{% endfor %}{% endfor %}', scope)).toThrow(/stopped: .*limit exceeded/);
  });

  it('names what is wrong with a malformed expression or template', () => {
    expect(t.checkExpression('trigger.body.amount >')).toMatch(/">" is missing an operand/);
    expect(t.checkExpression('trigger.a trigger.b')).toMatch(/not one expression/);
    expect(t.checkExpression('trigger.a | nope')).toMatch(/undefined filter: nope/);
    expect(t.checkExpression('trigger.a == 1 or not trigger.b')).toBeNull();
    expect(t.checkTemplates({ x: ['ok', 'Hi {{ name '] }, 'steps[0].input')).toEqual([{ field: 'steps[0].input.x[1]', message: expect.stringMatching(/not closed/) }]);
  });
});
