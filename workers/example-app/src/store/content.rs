//! Content search.

use serde::Deserialize;
use support_sdk::types::*;
use support_sdk::Result;

use super::{parse_enum, D1Integration};

#[derive(Deserialize)]
struct ContentRow {
    id: String,
    r#type: String,
    title: String,
    description: Option<String>,
    url: String,
    tags: String,
    difficulty: Option<String>,
    access_level: Option<String>,
    duration: Option<f64>,
    quick_link: i64,
}

impl ContentRow {
    fn to_result(&self, score: f64) -> Result<ContentSearchResult> {
        let tags: Vec<String> = self
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(ContentSearchResult {
            id: self.id.clone(),
            content_type: parse_enum(&self.r#type)?,
            title: self.title.clone(),
            description: self.description.clone(),
            url: self.url.clone(),
            score: Some(score),
            metadata: Some(ContentMetadata {
                duration: self.duration,
                difficulty: self.difficulty.as_deref().map(parse_enum).transpose()?,
                tags: (!tags.is_empty()).then_some(tags),
                access_level: self.access_level.as_deref().map(parse_enum).transpose()?,
                ..Default::default()
            }),
        })
    }

    /// A simple relevance score: query words found in the title count double.
    fn score(&self, words: &[String]) -> f64 {
        let title = self.title.to_lowercase();
        let rest = format!(
            "{} {}",
            self.description.as_deref().unwrap_or_default(),
            self.tags
        )
        .to_lowercase();
        let hits: f64 = words
            .iter()
            .map(|w| {
                if title.contains(w.as_str()) {
                    2.0
                } else if rest.contains(w.as_str()) {
                    1.0
                } else {
                    0.0
                }
            })
            .sum();
        hits / (2.0 * words.len().max(1) as f64)
    }
}

pub(super) async fn search_content(
    store: &D1Integration,
    request: ContentSearchRequest,
) -> Result<ContentSearchResponse> {
    let started = worker::Date::now().as_millis();
    let words: Vec<String> = request
        .query
        .to_lowercase()
        .split_whitespace()
        .filter(|w| w.len() > 2)
        .map(str::to_owned)
        .collect();
    let rows: Vec<ContentRow> = store
        .all(
            "SELECT id, type, title, description, url, tags, difficulty, access_level, duration, quick_link FROM content",
            &[],
        )
        .await?;
    let mut hits: Vec<(f64, &ContentRow)> = rows
        .iter()
        .filter(|r| {
            request.types.as_ref().is_none_or(|types| {
                types
                    .iter()
                    .any(|t| parse_enum::<ContentType>(&r.r#type).ok() == Some(*t))
            })
        })
        .map(|r| (r.score(&words), r))
        .filter(|(score, _)| *score > 0.0)
        .collect();
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let total = hits.len() as u64;
    let limit = request.limit.unwrap_or(5).clamp(1, 50) as usize;
    let results = hits
        .into_iter()
        .take(limit)
        .map(|(score, r)| r.to_result(score))
        .collect::<Result<Vec<_>>>()?;
    let quick_links = rows
        .iter()
        .filter(|r| r.quick_link != 0)
        .map(|r| r.to_result(1.0))
        .collect::<Result<Vec<_>>>()?;
    Ok(ContentSearchResponse {
        results,
        quick_links: Some(quick_links),
        meta: Some(ContentSearchMeta {
            total_results: Some(total),
            search_time_ms: Some((worker::Date::now().as_millis() - started) as f64),
        }),
    })
}
