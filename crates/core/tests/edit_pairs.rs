//! The outcome classifier measured on hand-made (draft, sent) pairs labelled
//! unchanged / minor / major: the original's word Jaccard, character-level edit
//! distance and word-level edit distance, each with its thresholds. The one
//! `classify_edit` uses must classify at least as well as the others.
//!
//! `cargo test -p support-core --test edit_pairs -- --nocapture` prints the figures.

use serde::Deserialize;
use support_core::outcome::{
    character_similarity, classify_edit, classify_edit_jaccard, jaccard, sequence_similarity,
    similarity, words, Edit,
};

#[derive(Deserialize)]
struct Pair {
    label: String,
    draft: String,
    sent: String,
}

fn label(pair: &Pair) -> Edit {
    match pair.label.as_str() {
        "unchanged" => Edit::Unchanged,
        "minor" => Edit::MinorEdit,
        "major" => Edit::MajorRewrite,
        other => panic!("label {other}"),
    }
}

fn by_thresholds(similarity: f64, unchanged: f64, minor: f64) -> Edit {
    if similarity >= unchanged {
        Edit::Unchanged
    } else if similarity >= minor {
        Edit::MinorEdit
    } else {
        Edit::MajorRewrite
    }
}

#[test]
fn the_kept_classifier_agrees_with_the_labels_at_least_as_often_as_the_others() {
    let pairs: Vec<Pair> = serde_json::from_str(include_str!("fixtures/edit_pairs.json")).unwrap();
    assert!(pairs.len() >= 30);
    let mut right = [0usize; 4];
    for pair in &pairs {
        let (a, b) = (words(&pair.draft), words(&pair.sent));
        let expected = label(pair);
        let verdicts = [
            classify_edit_jaccard(&pair.draft, &pair.sent),
            by_thresholds(character_similarity(&a, &b), 0.95, 0.75),
            by_thresholds(sequence_similarity(&a, &b), 0.95, 0.75),
            classify_edit(&pair.draft, &pair.sent),
        ];
        for (i, verdict) in verdicts.iter().enumerate() {
            right[i] += usize::from(*verdict == expected);
        }
        println!(
            "{:<9} jaccard {:.3} chars {:.3} words {:.3} mean {:.3}",
            pair.label,
            jaccard(&a, &b),
            character_similarity(&a, &b),
            sequence_similarity(&a, &b),
            similarity(&pair.draft, &pair.sent)
        );
    }
    let n = pairs.len();
    println!(
        "agreement with the labels on {n} pairs: word Jaccard {}/{n}, character edit distance {}/{n}, word edit distance {}/{n}, their mean (kept) {}/{n}",
        right[0], right[1], right[2], right[3]
    );
    assert!(right[3] >= *right[..3].iter().max().unwrap(), "{right:?}");
}
