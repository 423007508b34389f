// Deterministic pseudo-prose for the extraction-quality pages: sentences of real words per
// language, so word recall and precision can be counted exactly. Main text and page chrome
// draw from different vocabularies, so chrome that leaks into the output cannot match main
// text by accident.

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Lang = 'en' | 'es' | 'fr' | 'de' | 'pt' | 'it' | 'nl' | 'ru' | 'pl' | 'zh' | 'ja';

// prettier-ignore
const vocab: Record<Lang, string> = {
  en: 'river harbor engine garden winter kitchen village market bridge teacher farmer ' +
    'carefully slowly measured repaired planted carried compared collected described ' +
    'stone copper timber water flour butter salt pepper onion carrot valley mountain ' +
    'season harvest weather pressure voltage battery spindle gear chain pedal wheel ' +
    'student lesson library chapter volume archive museum painter canvas pigment ' +
    'because although whenever before after during between across beneath without ' +
    'usually rarely often quietly nearly exactly roughly simply gently firmly ' +
    'builds mixes heats cools drains tightens loosens measures checks records ' +
    'small large narrow wide bright dark heavy light warm cold fresh older newer',
  es: 'río puerto motor jardín invierno cocina pueblo mercado puente maestro ' +
    'cuidadosamente lentamente medimos reparamos plantamos llevamos comparamos ' +
    'piedra cobre madera agua harina mantequilla sal cebolla zanahoria valle montaña ' +
    'temporada cosecha tiempo presión batería cadena pedal rueda estudiante lección',
  fr: 'rivière port moteur jardin hiver cuisine village marché pont professeur ' +
    'soigneusement lentement mesurons réparons plantons portons comparons pierre ' +
    'cuivre bois eau farine beurre sel oignon carotte vallée montagne saison récolte',
  de: 'Fluss Hafen Motor Garten Winter Küche Dorf Markt Brücke Lehrer sorgfältig ' +
    'langsam messen reparieren pflanzen tragen vergleichen Stein Kupfer Holz Wasser ' +
    'Mehl Butter Salz Zwiebel Karotte Tal Berg Jahreszeit Ernte Wetter Druck Kette',
  pt: 'rio porto motor jardim inverno cozinha aldeia mercado ponte professor ' +
    'cuidadosamente lentamente medimos reparamos plantamos levamos comparamos pedra ' +
    'cobre madeira água farinha manteiga sal cebola cenoura vale montanha colheita',
  it: 'fiume porto motore giardino inverno cucina villaggio mercato ponte maestro ' +
    'attentamente lentamente misuriamo ripariamo piantiamo portiamo confrontiamo ' +
    'pietra rame legno acqua farina burro sale cipolla carota valle montagna raccolto',
  nl: 'rivier haven motor tuin winter keuken dorp markt brug leraar zorgvuldig ' +
    'langzaam meten repareren planten dragen vergelijken steen koper hout water ' +
    'meel boter zout ui wortel dal berg seizoen oogst weer druk ketting wiel',
  ru: 'река гавань двигатель сад зима кухня деревня рынок мост учитель осторожно ' +
    'медленно измеряем чиним сажаем несём сравниваем камень медь дерево вода мука ' +
    'масло соль лук морковь долина гора сезон урожай погода давление цепь колесо',
  pl: 'rzeka port silnik ogród zima kuchnia wieś rynek most nauczyciel starannie ' +
    'powoli mierzymy naprawiamy sadzimy niesiemy porównujemy kamień miedź drewno ' +
    'woda mąka masło sól cebula marchew dolina góra sezon żniwa pogoda ciśnienie',
  zh: '河流 港口 发动机 花园 冬天 厨房 村庄 市场 桥梁 老师 仔细地 慢慢地 测量 修理 ' +
    '种植 搬运 比较 石头 铜 木材 水 面粉 黄油 盐 洋葱 胡萝卜 山谷 高山 季节 收获',
  ja: '川 港 エンジン 庭 冬 台所 村 市場 橋 先生 丁寧に ゆっくり 測る 直す 植える ' +
    '運ぶ 比べる 石 銅 木材 水 小麦粉 バター 塩 玉ねぎ にんじん 谷 山 季節 収穫',
};

// prettier-ignore
const chromeVocab = ('subscribe trending sponsored partner deals promo premium account ' +
  'viral celebrity gossip quiz horoscope lottery coupon giveaway sweepstakes outlet ' +
  'clearance bargain members rewards loyalty points banner widget').split(' ');

const noSpace = (lang: Lang): boolean => lang === 'zh' || lang === 'ja';

export class Prose {
  private readonly r: () => number;
  private readonly words: string[];
  constructor(
    seed: number,
    readonly lang: Lang = 'en',
  ) {
    this.r = rng(seed);
    this.words = vocab[lang].split(/\s+/);
  }
  private pick(list: readonly string[]): string {
    return list[Math.floor(this.r() * list.length)];
  }
  sentence(): string {
    const n = 7 + Math.floor(this.r() * 12);
    const ws = Array.from({ length: n }, () => this.pick(this.words));
    if (noSpace(this.lang)) return ws.join('') + '。';
    const s = ws.join(' ');
    return s[0].toUpperCase() + s.slice(1) + '.';
  }
  /** A paragraph of about `chars` characters. */
  paragraph(chars: number): string {
    let out = '';
    const sep = noSpace(this.lang) ? '' : ' ';
    while (out.length < chars) out += (out ? sep : '') + this.sentence();
    return out;
  }
  /** A short title-like phrase. */
  title(words = 4): string {
    const ws = Array.from({ length: words }, () => this.pick(this.words));
    if (noSpace(this.lang)) return ws.join('');
    const s = ws.join(' ');
    return s[0].toUpperCase() + s.slice(1);
  }
  /** A paragraph of chrome words (comments, banners, teasers): never main text. */
  chromeParagraph(chars: number): string {
    let out = '';
    while (out.length < chars)
      out += (out ? ' ' : '') + this.chrome(6 + Math.floor(this.r() * 8)) + '.';
    return out;
  }
  /** Headline-ish phrase from the chrome vocabulary (related links, teasers, ads). */
  chrome(words = 5): string {
    const ws = Array.from({ length: words }, () => this.pick(chromeVocab));
    return ws[0][0].toUpperCase() + ws.join(' ').slice(1);
  }
}
