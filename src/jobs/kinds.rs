//! Every job kind and schedule Rapport knows. Each area adds one line here that
//! registers its own kinds (keep the lines independent, so lanes merge cleanly).

use crate::jobs::registry::JobRegistry;

pub fn registry() -> anyhow::Result<JobRegistry> {
    #[allow(unused_mut)] // areas add their kinds below
    let mut registry = JobRegistry::new();
    Ok(registry)
}
