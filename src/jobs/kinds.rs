//! Every job kind and schedule Rapport knows. Each area adds one line here that
//! registers its own kinds (keep the lines independent, so lanes merge cleanly).

use crate::jobs::registry::JobRegistry;

pub fn registry() -> anyhow::Result<JobRegistry> {
    let mut registry = JobRegistry::new();
    crate::sync::jobs::register(&mut registry);
    crate::domain::stale_deals::followups::register(&mut registry)?;
    crate::domain::analytics::snapshots::register(&mut registry)?;
    Ok(registry)
}
