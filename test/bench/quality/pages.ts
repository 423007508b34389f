// The extraction-quality page set: 37 generated pages in the layouts real web corpora are
// made of (news, blogs, docs with sidebars, forums, recipes, product pages, cookie banners,
// hidden and boilerplate headers, <main> traps, <form>-wrapped and <header>-wrapped bodies,
// long single-header articles, ten languages). Every page records its main text as it is
// built, so recall and precision are exact. Item 7 of issue 13 names the failure classes.
import { Prose, type Lang } from './prose';

export interface QualityPage {
  name: string;
  html: string;
  /** Main text pieces (headers and paragraphs), in page order. */
  main: string[];
}

/** Builds one page: helpers that record main text, and chrome helpers that do not. */
class Page {
  readonly main: string[] = [];
  readonly prose: Prose;
  constructor(seed: number, lang: Lang = 'en') {
    this.prose = new Prose(seed, lang);
  }
  h(level: number, text = this.prose.title(), attrs = ''): string {
    this.main.push(text);
    return `<h${level}${attrs}>${text}</h${level}>`;
  }
  p(chars: number, attrs = ''): string {
    const t = this.prose.paragraph(chars);
    this.main.push(t);
    return `<p${attrs}>${t}</p>`;
  }
  ps(...sizes: number[]): string {
    return sizes.map((n) => this.p(n)).join('\n');
  }
  list(items: number, chars: number, tag = 'ul'): string {
    const lis = Array.from({ length: items }, () => {
      const t = this.prose.paragraph(chars);
      this.main.push(t);
      return `<li>${t}</li>`;
    });
    return `<${tag}>${lis.join('')}</${tag}>`;
  }
  section(level: number, ...sizes: number[]): string {
    return this.h(level) + '\n' + this.ps(...sizes);
  }
  // Chrome: never main text.
  links(n: number): string {
    return Array.from(
      { length: n },
      () => `<li><a href="/x">${this.prose.chrome(3)}</a></li>`,
    ).join('');
  }
  nav(): string {
    return `<nav class="top-nav"><ul><li><a href="/">Home</a></li>${this.links(6)}</ul></nav>`;
  }
  siteHeader(): string {
    return `<header class="site-header"><a class="logo" href="/">${this.prose.chrome(2)}</a>${this.nav()}</header>`;
  }
  footer(): string {
    return `<footer class="site-footer"><p>${this.prose.chrome(8)}. All rights reserved.</p><ul>${this.links(5)}</ul></footer>`;
  }
  cookie(): string {
    return `<div class="cookie-banner" id="cc"><p>We use cookies. ${this.prose.chromeParagraph(250)}</p><a href="#">Accept all</a></div>`;
  }
  related(header = 'Related posts'): string {
    return `<h3>${header}</h3><ul>${this.links(5)}</ul>`;
  }
  comments(header = '3 Comments'): string {
    const one = () => `<div class="comment"><p>${this.prose.chromeParagraph(180)}</p></div>`;
    return `<h3>${header}</h3>${one()}${one()}${one()}`;
  }
  sidebar(): string {
    return `<div class="sidebar"><h3>Popular</h3><ul>${this.links(6)}</ul><p>${this.prose.chromeParagraph(200)}</p></div>`;
  }
  newsletter(): string {
    return `<div class="newsletter-box"><h4>Sign up for our newsletter</h4><form><input type="email"><button>Subscribe</button></form></div>`;
  }
  ad(): string {
    return `<div class="ad-slot"><span>Advertisement</span><a href="/x">${this.prose.chrome(6)}</a></div>`;
  }
  doc(body: string, title = this.prose.title(), head = ''): string {
    return `<!doctype html><html><head><title>${title} | Site</title>${head}<script>var x = 1;</script><style>.a{}</style></head><body>${body}</body></html>`;
  }
}

type Build = (pg: Page) => string;

const builders: [string, Build, Lang?][] = [
  [
    'news-semantic',
    (g) =>
      g.doc(
        `${g.siteHeader()}<main><article>${g.h(1)}<p class="byline">By staff</p>${g.section(2, 700, 500)}${g.section(2, 900, 400)}${g.section(2, 800)}</article><aside>${g.related()}</aside></main>${g.footer()}`,
      ),
  ],
  [
    'news-div',
    (g) =>
      g.doc(
        `${g.cookie()}${g.siteHeader()}<div id="content"><div class="article-body">${g.h(1)}${g.ps(600, 500)}${g.section(2, 900, 600)}${g.section(2, 700, 700)}</div>${g.sidebar()}</div>${g.footer()}`,
      ),
  ],
  [
    'blog-wordpress',
    (g) =>
      g.doc(
        `<div class="site">${g.siteHeader()}<div id="primary"><article class="post">${g.h(1, undefined, ' class="entry-title"')}<div class="entry-content">${g.ps(700, 600)}${g.section(2, 800, 500)}</div><div class="sharedaddy sd-sharing"><h3>Share this:</h3><ul>${g.links(4)}</ul></div></article><div id="comments" class="comments-area">${g.comments()}</div></div><aside id="secondary">${g.sidebar()}</aside>${g.footer()}</div>`,
      ),
  ],
  [
    'docs-sidebar-ids',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="layout"><nav class="docs-toc"><ul>${g.links(12)}</ul></nav><div class="docs-content">${g.h(1)}${g.p(500)}<section id="sharing-state-between-components">${g.section(2, 800, 600)}</section><section id="related-functions">${g.section(2, 700, 500)}</section><div class="share-feedback-note">${g.section(2, 650, 300)}</div></div></div>${g.footer()}`,
      ),
  ],
  [
    'docs-main-leak',
    (g) =>
      g.doc(
        `${g.siteHeader()}<main><div class="breadcrumbs"><a href="/">Docs</a> / <a href="/g">Guide</a></div><div class="doc">${g.h(1)}${g.section(2, 900, 400)}${g.section(2, 700, 500)}</div><div class="feedback"><h2>Was this page helpful?</h2><p>${g.prose.chromeParagraph(120)}</p></div><div class="more-links"><h2>Related pages</h2><ul>${g.links(8)}</ul></div><div class="promo-box"><h2>${g.prose.chrome(4)}</h2><p>${g.prose.chromeParagraph(400)}</p></div></main>${g.footer()}`,
      ),
  ],
  [
    'forum-thread',
    (g) => {
      const post = () =>
        `<div class="post"><div class="post-author"><a href="/u">${g.prose.chrome(1)}</a><span>Joined ${g.prose.chrome(2)}</span></div><div class="post-body">${g.ps(400, 300)}</div></div>`;
      return g.doc(
        `${g.siteHeader()}<div class="thread">${g.h(1)}${post()}${post()}${post()}${post()}</div>${g.footer()}`,
      );
    },
  ],
  [
    'recipe',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="recipe-page"><a class="jump" href="#r">Jump to recipe</a>${g.h(1)}${g.ps(500, 400)}${g.ad()}<div class="recipe-card" id="r">${g.h(2, 'Ingredients')}${g.list(8, 40)}${g.h(2, 'Instructions')}${g.list(6, 160, 'ol')}</div>${g.newsletter()}${g.comments('Reviews')}</div>${g.footer()}`,
      ),
  ],
  [
    'product-page',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="product">${g.h(1)}<form class="buy"><select><option>Size</option></select><button>Add to cart</button></form><div class="product-description">${g.ps(600, 500)}${g.h(2, 'Details')}${g.ps(700)}</div><div class="also-bought"><h2>Customers also bought</h2><ul>${g.links(6)}</ul></div></div>${g.footer()}`,
      ),
  ],
  [
    'cookie-heavy',
    (g) =>
      g.doc(
        `<div id="cookie-consent" class="consent-modal"><h2>Your privacy</h2><p>${g.prose.chromeParagraph(600)}</p><p>${g.prose.chromeParagraph(500)}</p><button>Accept</button></div>${g.siteHeader()}<div class="content">${g.h(1)}${g.ps(800, 700)}${g.section(2, 900, 500)}</div>${g.footer()}`,
      ),
  ],
  [
    'hidden-header-sr-only',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="story">${g.h(1)}${g.p(300)}<h2 class="sr-only">Article body</h2>${g.ps(900, 800, 700)}${g.section(2, 800, 400)}</div>${g.footer()}`,
      ),
  ],
  [
    'blank-header',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="story">${g.h(1)}${g.p(250)}<h2><a class="anchor" href="#x"></a></h2>${g.ps(900, 700, 600)}${g.section(2, 700, 500)}</div>${g.footer()}`,
      ),
  ],
  [
    'display-none-header',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="story">${g.h(1)}${g.p(300)}<h2 style="display:none">Advertisement</h2>${g.ps(800, 900, 600)}${g.section(2, 900)}</div>${g.footer()}`,
      ),
  ],
  [
    'share-header-swallow',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="story">${g.h(1)}${g.p(400)}<h2>Share this article</h2><ul class="icons">${g.links(4)}</ul>${g.ps(900, 800, 700)}${g.section(2, 800, 500)}</div>${g.footer()}`,
      ),
  ],
  [
    'advert-label-header',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="story">${g.h(1)}${g.ps(500, 400)}<h4>Advertisement</h4><p><a href="/ad">${g.prose.chrome(5)}</a></p>${g.ps(800, 700, 600)}</div>${g.footer()}`,
      ),
  ],
  [
    'main-empty-trap',
    (g) =>
      g.doc(
        `${g.siteHeader()}<main><div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/n">News</a></div></main><div id="content">${g.h(1)}${g.ps(700, 600)}${g.section(2, 900, 500)}</div>${g.footer()}`,
      ),
  ],
  [
    'main-aside-only-trap',
    (g) =>
      g.doc(
        `${g.siteHeader()}<main><aside>${g.related('Trending now')}</aside></main><div class="post">${g.h(1)}${g.ps(800, 700)}${g.section(2, 600, 600)}</div>${g.footer()}`,
      ),
  ],
  [
    'article-teaser-trap',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="page"><div class="col-main">${g.h(1)}${g.ps(700, 800)}${g.section(2, 900, 600)}</div><div class="col-side"><article class="teaser"><h3>${g.prose.chrome(4)}</h3><p>${g.prose.chromeParagraph(150)}</p></article></div></div>${g.footer()}`,
      ),
  ],
  [
    'form-wrapper',
    (g) =>
      g.doc(
        `<form method="post" action="./page.aspx" id="aspnetForm"><input type="hidden" name="__VIEWSTATE" value="abc">${g.siteHeader()}<div id="ctl00_content">${g.h(1)}${g.ps(700, 600)}${g.section(2, 800, 500)}${g.section(2, 700)}</div>${g.footer()}</form>`,
      ),
  ],
  [
    'page-level-header-lede',
    (g) =>
      g.doc(
        `${g.nav()}<header class="post-header">${g.h(1)}${g.p(450, ' class="lede"')}</header><div class="post-content">${g.ps(800, 700)}${g.section(2, 900, 500)}</div>${g.footer()}`,
      ),
  ],
  [
    'header-wrapped-body',
    (g) =>
      g.doc(
        `<header>${g.nav()}<div class="hero">${g.h(1)}${g.ps(700, 600, 800)}${g.section(2, 600, 500)}</div></header>${g.footer()}`,
      ),
  ],
  [
    'long-single-header',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="entry">${g.h(1)}${g.ps(700, 800, 600, 900, 700, 800, 600)}</div>${g.footer()}`,
      ),
  ],
  [
    'long-section-among-short',
    (g) =>
      g.doc(
        `${g.siteHeader()}<article>${g.h(1)}${g.p(400)}${g.section(2, 900, 600)}${g.section(2, 800, 900, 700, 900, 600)}${g.section(2, 700, 400)}</article>${g.footer()}`,
      ),
  ],
  [
    'legacy-table-layout',
    (g) =>
      g.doc(
        `<table width="100%"><tr><td class="leftnav"><ul>${g.links(10)}</ul></td><td class="maintext"><font size="4">${g.h(1)}</font>${g.ps(700, 600, 500)}${g.section(2, 800, 400)}</td></tr></table>`,
      ),
  ],
  [
    'wiki-like',
    (g) =>
      g.doc(
        `<div id="mw-navigation"><ul>${g.links(8)}</ul></div><div id="content"><h1 id="firstHeading">${g.h(1).replace(/<\/?h1>/g, '')}</h1><div id="mw-content-text"><table class="infobox"><tr><th>${g.prose.chrome(1)}</th><td>${g.prose.chrome(2)}</td></tr></table>${g.ps(700, 500)}<div id="toc" class="toc"><h2>Contents</h2><ul>${g.links(5)}</ul></div>${g.section(2, 900, 600)}${g.section(2, 800, 500)}<h2>References</h2><ol class="references">${g.links(6)}</ol></div></div>`,
      ),
  ],
  [
    'listicle',
    (g) =>
      g.doc(
        `${g.siteHeader()}<div class="post">${g.h(1)}${g.p(400)}${g.section(2, 700)}${g.section(2, 750)}${g.section(2, 650)}${g.section(2, 800)}${g.ad()}${g.section(2, 700)}</div>${g.sidebar()}${g.footer()}`,
      ),
  ],
  [
    'faq',
    (g) =>
      g.doc(
        `${g.siteHeader()}<main>${g.h(1)}${g.p(300)}${g.section(3, 250)}${g.section(3, 300)}${g.section(3, 200)}${g.section(3, 350)}${g.section(3, 280)}</main>${g.footer()}`,
      ),
  ],
  [
    'docs-pre-code',
    (g) =>
      g.doc(
        `<nav class="sidebar-nav"><ul>${g.links(10)}</ul></nav><main>${g.h(1)}${g.p(500)}<pre><code>npm install example\nexample --flag value</code></pre>${g.section(2, 700, 500)}${g.section(2, 800)}</main>`,
      ),
  ],
];

const multilingual: [Lang, string, string][] = [
  ['es', 'Artículos relacionados', 'Comentarios'],
  ['fr', 'Articles similaires', 'Laisser un commentaire'],
  ['de', 'Ähnliche Artikel', 'Kommentare'],
  ['pt', 'Artigos relacionados', 'Comentários'],
  ['it', 'Articoli correlati', 'Commenti'],
  ['nl', 'Gerelateerde artikelen', 'Reacties'],
  ['ru', 'Похожие статьи', 'Комментарии'],
  ['pl', 'Podobne artykuły', 'Komentarze'],
  ['zh', '相关文章', '评论'],
  ['ja', '関連記事', 'コメント'],
];

export function qualityPages(): QualityPage[] {
  const pages: QualityPage[] = [];
  builders.forEach(([name, build, lang], i) => {
    const g = new Page(1000 + i, lang);
    pages.push({ name, html: build(g), main: g.main });
  });
  multilingual.forEach(([lang, related, comments], i) => {
    const g = new Page(2000 + i, lang);
    // No semantic markup and the chrome sections inside the content container: only the
    // navigation-header words of the page's language can tell them apart.
    const html = g.doc(
      `<div class="wrap"><div class="txt">${g.h(1)}${g.ps(700, 500)}${g.section(2, 800, 600)}` +
        `<h2>${related}</h2><p>${g.prose.chromeParagraph(700)}</p>` +
        `<h2>${comments}</h2><p>${g.prose.chromeParagraph(800)}</p></div></div>`,
    );
    pages.push({ name: `multilingual-${lang}`, html, main: g.main });
  });
  return pages;
}
