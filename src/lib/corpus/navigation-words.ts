// Navigation-header words (method.md §2 / App. E: drop segments under headers such as
// "advertisement", "forum", "quick link", "free newsletter"). The paper gives English examples
// only; web corpora are multilingual, so the usual CMS boilerplate headers of the common
// languages of web corpora are listed too (es, fr, de, pt, it, nl, ru, pl, zh, ja). Phrases
// are lowercase word sequences as `words()` produces them (CJK headers are one word).
//
// Two kinds: a *label* only tags a widget ("Share this", "Follow us", "Tags"), so prose
// after the widget is not its section (segment.ts gives it back to the section in progress);
// a *section* header ("Comments", "Related posts") owns what follows it.

// prettier-ignore
export const labelPhrases: readonly string[] = [
  // en
  'share', 'share this', 'sharing', 'follow us', 'social media', 'tags', 'tag cloud',
  'categories', 'read more', 'skip to content', 'breadcrumb', 'breadcrumbs', 'menu',
  'main menu', 'search', 'print',
  // es, fr, de, pt, it, nl, ru, pl, zh, ja
  'compartir', 'comparte', 'compartir en', 'síguenos', 'etiquetas', 'partager', 'partagez',
  'suivez nous', 'mots clés', 'teilen', 'folgen sie uns', 'folge uns', 'schlagwörter',
  'compartilhe', 'compartilhar', 'partilhar', 'siga nos', 'condividi', 'seguici', 'delen',
  'volg ons', 'поделиться', 'теги', 'метки', 'udostępnij', 'podziel się', 'obserwuj nas',
  'tagi', '分享', '分享到', '关注我们', '标签', 'シェア', 'この記事をシェアする', 'タグ',
  'フォロー',
];

// prettier-ignore
export const sectionPhrases: readonly string[] = [
  // en (ads, sign-up pitches and cookie notices are often prose: they own what follows)
  'advertisement', 'advertisements', 'advertising', 'ads', 'sponsored', 'sponsored content',
  'subscribe', 'sign up', 'signup', 'newsletter', 'newsletters', 'cookie', 'cookies',
  'cookie settings',
  'forum', 'forums', 'quick link', 'quick links', 'useful links', 'external links', 'related',
  'related posts', 'related articles', 'related stories', 'related content', 'related links',
  'you may also like', 'you might also like', 'recommended for you', 'recent posts',
  'recent comments', 'popular posts', 'most popular', 'trending', 'comments', 'comment',
  'reply', 'leave a reply', 'leave a comment', 'sign in', 'log in', 'login', 'log out',
  'register', 'navigation', 'site navigation', 'cookie policy', 'privacy policy',
  'terms of use', 'terms of service', 'footer', 'copyright', 'all rights reserved',
  'archives', 'archive', 'contact us', 'about the author', 'about us', 'table of contents',
  'contents', 'sidebar', 'more stories', 'latest news', 'top stories', 'sitemap', 'site map',
  // es
  'publicidad', 'anuncio', 'suscríbete', 'artículos relacionados', 'entradas relacionadas', 'noticias relacionadas',
  'publicaciones relacionadas', 'contenido relacionado', 'te puede interesar',
  'también te puede interesar', 'comentarios', 'comentario', 'deja un comentario',
  'deja una respuesta', 'menú', 'navegación', 'categorías', 'archivo', 'archivos',
  'entradas recientes', 'comentarios recientes', 'lo más leído', 'más leídas',
  'política de privacidad', 'política de cookies', 'aviso legal', 'contacto', 'índice',
  'tabla de contenidos', 'iniciar sesión', 'leer más',
  // fr
  'publicité', "s'abonner", 'articles similaires', 'articles liés', 'articles connexes', 'à lire aussi', 'lire aussi',
  'sur le même sujet', 'vous aimerez aussi', 'commentaires', 'commentaire',
  'laisser un commentaire', 'laisser une réponse', 'catégories', 'articles récents',
  'commentaires récents', 'les plus lus', 'politique de confidentialité', 'mentions légales',
  'nous contacter', 'connexion', 'sommaire', 'table des matières', 'lire la suite',
  // de
  'anzeige', 'werbung', 'abonnieren', 'ähnliche artikel', 'ähnliche beiträge', 'verwandte artikel', 'verwandte themen',
  'das könnte sie auch interessieren', 'auch interessant', 'mehr zum thema', 'kommentare',
  'kommentar', 'kommentar schreiben', 'schreibe einen kommentar', 'menü', 'kategorien',
  'archiv', 'neueste beiträge', 'neueste kommentare', 'meistgelesen', 'datenschutz',
  'datenschutzerklärung', 'impressum', 'kontakt', 'anmelden', 'inhaltsverzeichnis',
  'weiterlesen',
  // pt
  'publicidade', 'anúncio', 'assine', 'artigos relacionados', 'posts relacionados', 'notícias relacionadas', 'leia também',
  'veja também', 'comentários', 'deixe um comentário', 'deixe uma resposta', 'navegação',
  'categorias', 'arquivo', 'posts recentes', 'mais lidas', 'política de privacidade',
  'contato', 'sumário', 'leia mais',
  // it
  'pubblicità', 'iscriviti', 'articoli correlati', 'post correlati', 'potrebbe interessarti', 'leggi anche', 'commenti',
  'commento', 'lascia un commento', 'lascia una risposta', 'navigazione', 'categorie',
  'archivio', 'articoli recenti', 'commenti recenti', 'più letti', 'informativa sulla privacy',
  'contatti', 'indice', 'sommario', 'leggi di più',
  // nl
  'advertentie', 'gerelateerde artikelen', 'gerelateerde berichten', 'lees ook', 'ook interessant',
  'reacties', 'reactie', 'laat een reactie achter', 'plaats een reactie', 'nieuwsbrief',
  'navigatie', 'categorieën', 'archief', 'recente berichten', 'meest gelezen', 'privacybeleid',
  'inhoudsopgave', 'lees meer',
  // ru
  'реклама', 'подписаться', 'похожие статьи', 'похожие записи', 'похожие новости', 'читайте также', 'смотрите также',
  'комментарии', 'комментарий', 'оставить комментарий', 'оставьте комментарий',
  'добавить комментарий', 'рассылка', 'меню', 'навигация', 'рубрики', 'категории', 'архив',
  'свежие записи', 'последние новости', 'популярное', 'политика конфиденциальности',
  'контакты', 'содержание', 'оглавление', 'читать далее',
  // pl
  'reklama', 'podobne artykuły', 'powiązane artykuły', 'podobne wpisy', 'zobacz też', 'zobacz także',
  'czytaj też', 'czytaj także', 'komentarze', 'komentarz', 'dodaj komentarz',
  'zostaw komentarz', 'nawigacja', 'kategorie', 'archiwum', 'najnowsze wpisy',
  'najczęściej czytane', 'polityka prywatności', 'spis treści', 'czytaj więcej',
  // zh
  '广告', '廣告', '相关文章', '相关阅读', '相关推荐', '推荐阅读', '延伸阅读', '热门文章', '最新文章', '评论',
  '发表评论', '网友评论', '评论区', '留言', '导航', '菜单', '分类', '归档', '隐私政策',
  '联系我们', '目录', '猜你喜欢', '相關文章', '熱門文章', '評論',
  // ja
  '広告', '関連記事', '関連する記事', 'おすすめ記事', '人気記事', '最新記事', 'コメント',
  'コメントを書く', 'メニュー', 'ナビゲーション', 'カテゴリー', 'カテゴリ', 'アーカイブ',
  'プライバシーポリシー', 'お問い合わせ', '目次', '続きを読む', 'あわせて読みたい',
];

/**
 * Words that may surround a navigation phrase without making the header content: "Sign up
 * for our free newsletter", "Leave a comment", "Share this post", "12 comments",
 * "Partagez cet article", "Diesen Artikel teilen".
 */
// prettier-ignore
export const navigationFillerWords: readonly string[] = [
  'a', 'an', 'the', 'our', 'us', 'your', 'my', 'to', 'for', 'of', 'on', 'in', 'and', 'or',
  'with', 'by', 'this', 'these', 'that', 'post', 'posts', 'article', 'articles', 'page',
  'story', 'free', 'weekly', 'daily', 'monthly', 'email', 'e', 'mail', 'now', 'today',
  'here', 'all', 'more', 'latest', 'get', 'join', 'please', 'site', 'website', 'blog', 'x',
  'twitter', 'facebook', 'instagram', 'linkedin', 'youtube', 'rss', 'feed',
  // es / pt / it
  'el', 'la', 'los', 'las', 'lo', 'de', 'del', 'en', 'y', 'o', 'un', 'una', 'nuestro',
  'nuestra', 'tu', 'su', 'este', 'esta', 'más', 'artículo', 'os', 'as', 'do', 'da', 'dos',
  'das', 'no', 'na', 'e', 'um', 'uma', 'nosso', 'nossa', 'seu', 'sua', 'mais', 'artigo', 'il',
  'gli', 'le', 'di', 'della', 'dei', 'delle', 'nostro', 'nostra', 'questo', 'questa',
  'articolo', 'più',
  // fr / de / nl
  'les', 'des', 'du', 'et', 'ou', 'à', 'au', 'aux', 'notre', 'nos', 'votre', 'vos', 'cet',
  'cette', 'ce', 'plus', 'der', 'die', 'das', 'den', 'dem', 'und', 'oder', 'zu', 'zum', 'zur',
  'für', 'auf', 'im', 'unser', 'unsere', 'unseren', 'ihr', 'ihre', 'diesen', 'dieser',
  'dieses', 'mehr', 'ein', 'eine', 'artikel', 'beitrag', 'het', 'een', 'en', 'van', 'voor',
  'op', 'onze', 'ons', 'uw', 'je', 'dit', 'deze', 'meer',
  // ru / pl
  'и', 'или', 'в', 'на', 'для', 'по', 'наш', 'наши', 'эту', 'этот', 'статью', 'ещё', 'еще',
  'i', 'lub', 'w', 'do', 'dla', 'z', 'nasz', 'nasze', 'ten', 'tę', 'więcej', 'artykuł',
];
