//! The news part of the [`Store`](super::Store): scored news items and their tagged
//! instruments. One SQL text for both backends ([`news_methods`]).

/// A stored news item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsRec {
    /// Random id (hex).
    pub id: String,
    /// Where it came from (`reuters`, `rss:...`); with `external_id`, the item's identity.
    pub source: String,
    /// The source's id of the item.
    pub external_id: String,
    /// Unix seconds.
    pub published_at: i64,
    /// Headline.
    pub title: String,
    /// Text (may be empty).
    pub body: String,
    /// Link.
    pub url: Option<String>,
    /// The finance scorer's score of the headline and text, in [-1, 1].
    pub score: f64,
    /// Unix seconds.
    pub created_at: i64,
}

/// One instrument a news item mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsMention {
    /// The instrument.
    pub symbol: String,
    /// Mean score of the sentences that mention it.
    pub score: f64,
    /// Number of sentences mentioning it.
    pub sentences: i64,
    /// Number of mentions.
    pub mentions: i64,
}

pub(crate) const NEWS_COLS: &str =
    "n.id, n.source, n.external_id, n.published_at, n.title, n.body, n.url, n.score, n.created_at";

macro_rules! news_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::NewsRec {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            external_id: r.try_get("external_id")?,
            published_at: r.try_get("published_at")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            url: r.try_get("url")?,
            score: r.try_get("score")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

/// The news methods of [`Store`](super::Store), written once for both backends.
macro_rules! news_methods {
    () => {
        fn add_news<'a>(
            &'a self,
            items: &'a [(NewsRec, Vec<NewsMention>)],
        ) -> BoxFuture<'a, Result<u64, StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                let mut created = 0;
                for (n, mentions) in items {
                    let done = sqlx::query(
                        "INSERT INTO news_items (id, source, external_id, published_at, title, \
                         body, url, score, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (source, external_id) DO NOTHING",
                    )
                    .bind(&n.id)
                    .bind(&n.source)
                    .bind(&n.external_id)
                    .bind(n.published_at)
                    .bind(&n.title)
                    .bind(&n.body)
                    .bind(&n.url)
                    .bind(n.score)
                    .bind(n.created_at)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        continue; // already stored: nothing twice
                    }
                    created += 1;
                    for m in mentions {
                        sqlx::query(
                            "INSERT INTO news_mentions (symbol, published_at, news_id, score, \
                             sentences, mentions) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(&m.symbol)
                        .bind(n.published_at)
                        .bind(&n.id)
                        .bind(m.score)
                        .bind(m.sentences)
                        .bind(m.mentions)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(created)
            })
        }

        fn news_of<'a>(
            &'a self,
            symbol: &'a str,
            from: i64,
            to: i64,
            descending: bool,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<(NewsRec, NewsMention)>, StoreError>> {
            Box::pin(async move {
                let order = if descending { "DESC" } else { "ASC" };
                let rows = sqlx::query(&format!(
                    "SELECT {NEWS_COLS}, m.symbol AS m_symbol, m.score AS m_score, \
                     m.sentences AS m_sentences, m.mentions AS m_mentions \
                     FROM news_mentions m JOIN news_items n ON n.id = m.news_id \
                     WHERE m.symbol = $1 AND m.published_at >= $2 AND m.published_at <= $3 \
                     ORDER BY m.published_at {order}, m.news_id {order} LIMIT $4 OFFSET $5"
                ))
                .bind(symbol)
                .bind(from)
                .bind(to)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let n = $crate::store::news::news_row!(r)?;
                    let m = $crate::store::NewsMention {
                        symbol: r.try_get("m_symbol")?,
                        score: r.try_get("m_score")?,
                        sentences: r.try_get("m_sentences")?,
                        mentions: r.try_get("m_mentions")?,
                    };
                    out.push((n, m));
                }
                Ok(out)
            })
        }
    };
}

pub(crate) use {news_methods, news_row};
