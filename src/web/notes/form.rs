//! The note form: what was typed, and its validation.

use serde::Deserialize;

use crate::domain::notes::{BODY_MAX, NoteDraft, TITLE_MAX};
use crate::web::forms::FieldErrors;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub pinned: Option<String>,
}

impl NoteForm {
    pub fn from_draft(draft: &NoteDraft) -> NoteForm {
        NoteForm {
            title: draft.title.clone().unwrap_or_default(),
            body: draft.body.clone(),
            pinned: draft.pinned.then(|| "1".to_owned()),
        }
    }

    pub fn is_pinned(&self) -> bool {
        self.pinned
            .as_deref()
            .is_some_and(|value| !matches!(value, "" | "0" | "false"))
    }

    pub fn validate(&self) -> Result<NoteDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim();
        if title.chars().count() > TITLE_MAX {
            errors.add(
                "title",
                format!("Keep the title under {TITLE_MAX} characters."),
            );
        }
        let body = self.body.trim();
        if body.is_empty() {
            errors.add("body", "Write something in the note.");
        } else if body.chars().count() > BODY_MAX {
            errors.add(
                "body",
                format!("Notes are limited to {BODY_MAX} characters; split this one up."),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NoteDraft {
            title: (!title.is_empty()).then(|| title.to_owned()),
            body: body.to_owned(),
            pinned: self.is_pinned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_required_and_title_optional() {
        let empty = NoteForm::default().validate().expect_err("empty body");
        assert!(empty.has("body") && !empty.has("title"));
        let note = NoteForm {
            title: "  ".to_owned(),
            body: " Gate code 4411 ".to_owned(),
            pinned: Some("1".to_owned()),
        }
        .validate()
        .expect("valid");
        assert_eq!(note.title, None);
        assert_eq!(note.body, "Gate code 4411");
        assert!(note.pinned);
    }
}
