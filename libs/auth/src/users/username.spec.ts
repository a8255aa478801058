import { foldUsername, mixesScripts } from './username';

describe('foldUsername', () => {
  it('folds compatibility forms and case, fully', () => {
    for (const name of ['ross', 'ROSS', 'Ross', 'roſſ', 'ｒoss', 'ＲＯＳＳ']) expect([name, foldUsername(name)]).toEqual([name, 'ross']);
    expect(foldUsername('Straße')).toBe(foldUsername('STRASSE'));
    expect(foldUsername('ẞ')).toBe('ss');
    expect(foldUsername('ΣΑΣ')).toBe(foldUsername('σασ'));
    expect(foldUsername('ﬀ')).toBe('ff');
    expect(foldUsername('Ꭰ')).toBe(foldUsername('ꭰ'));
  });

  it('keeps apart what is different', () => {
    expect(foldUsername('rοss')).not.toBe('ross'); // Greek omicron: refused at creation instead
    expect(foldUsername('alice')).not.toBe(foldUsername('alicé'));
  });

  it('is idempotent', () => {
    for (const name of ['roſſ', 'ｒoss', 'Straße', 'İstanbul', 'ǅemal', 'ΣΑΣ']) expect(foldUsername(foldUsername(name))).toBe(foldUsername(name));
  });
});

describe('mixesScripts', () => {
  it('refuses Latin with Greek or Cyrillic look-alikes', () => {
    for (const name of ['rοss', 'rоss', 'pаypal', 'admіn', 'ｒοss']) expect([name, mixesScripts(name)]).toEqual([name, true]);
    // scripts that are not written together either
    expect(mixesScripts('キム김')).toBe(true);
  });

  it('allows one script, digits and punctuation, and the mixtures of ordinary writing', () => {
    for (const name of ['ross', 'ross_2.0@x+y-z', 'ρόσσ', 'иван', '山田', '山田たろう', 'tarō-山田', '김山', 'café', '1234']) expect([name, mixesScripts(name)]).toEqual([name, false]);
  });
});
